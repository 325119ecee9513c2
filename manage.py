#!/usr/bin/env python3
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    # Commands (migrate on a large table, say) may run long; the web's statement timeout is for
    # requests. Set DATABASE_STATEMENT_TIMEOUT_MS to bound a command too.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    # A checkout that `python3 dev.py serve` set up keeps its development key in var/: commands
    # run there (create_token, say) use it unless SECRET_KEY is set, as production's always is.
    dev_key = Path(__file__).resolve().parent / "var" / "secret_key"
    if "SECRET_KEY" not in os.environ and dev_key.is_file():
        os.environ["SECRET_KEY"] = dev_key.read_text().strip()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
