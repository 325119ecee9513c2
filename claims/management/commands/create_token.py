"""Create an API token; print it alone on stdout, the only time it is ever shown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.accounts import roles
from claims.accounts.services import token_create


class Command(BaseCommand):
    help = "Creates USERNAME if needed, gives it ROLE, and prints a new API token for it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=roles.GROUPS)
        parser.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help="Days until the token expires (default %(default)s).",
        )
        parser.add_argument("--no-expiry", action="store_true", help="A token that never expires.")
        parser.add_argument("--name", default="", help="What the token is for, shown in the admin.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 and not options["no_expiry"]:
            raise CommandError("--days must be at least 1 (or use --no-expiry).")
        _, plaintext = token_create(
            username=options["username"],
            role=options["role"],
            days=None if options["no_expiry"] else options["days"],
            name=options["name"],
        )
        self.stdout.write(plaintext)
