"""Revoke an API token by its prefix (the 8 characters after `ct_`), or all of a user's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.accounts.services import token_revoke
from claims.accounts.tokens import parse_prefix


class Command(BaseCommand):
    help = "Revokes a token (give the token or its prefix), or every token of --user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", nargs="?", help="The token, ct_<prefix>, or its 8-character prefix.")
        parser.add_argument("--user", help="Revoke every live token of this username.")

    def handle(self, *args: Any, **options: Any) -> None:
        token, username = options["token"], options["user"]
        if bool(token) == bool(username):
            raise CommandError("Give a token (or its prefix), or --user USERNAME, not both.")
        # The whole token, `ct_<prefix>` as the admin shows it, or the bare prefix.
        prefix = (parse_prefix(token) or token.removeprefix("ct_")) if token else None
        count = token_revoke(prefix=prefix, username=username)
        if count == 0:
            raise CommandError("No live token matched; nothing was revoked.")
        self.stdout.write(f"Revoked {count} token{'s' if count != 1 else ''}.")
