#!/usr/bin/env python3
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    # Commands (migrate on a large table, say) may run long; the web's statement timeout is for
    # requests. Set DATABASE_STATEMENT_TIMEOUT_MS to bound a command too.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
