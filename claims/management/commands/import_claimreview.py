"""`python manage.py import_claimreview FILE_OR_URL...`: others' fact-checks in, as ClaimReview."""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from claims.interop.imports import (
    OUTCOMES,
    SKIPPED,
    Item,
    RecordReport,
    UnreadableInput,
    import_items,
    items_of_lines,
    items_of_text,
)

FETCH_TIMEOUT_SECONDS = 30
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A page or a feed; a bigger export is a file, read in constant memory as JSON lines.
MAX_FETCH_BYTES = 20 * 1024 * 1024
# A whole JSON or HTML document is read into memory; a file past this should be JSON lines.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import ClaimReview records from files or http(s) URLs: a JSON object, a list, an @graph, "
        "JSON lines (read a line at a time), or an HTML page with embedded JSON-LD. Each record is "
        "imported, updated (same review url), left unchanged, or skipped with the reason; one line "
        "each on stdout, a progress bar on stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="FILE_OR_URL")
        parser.add_argument(
            "--quiet", action="store_true", help="Only the totals: no line per record, no progress bar."
        )

    def handle(self, *args: Any, sources: list[str], quiet: bool = False, **options: Any) -> None:
        # Counts only: a stream of any length is imported in constant memory.
        counts: Counter[str] = Counter()
        for source in sources:
            base_url = source if source.startswith(("http://", "https://")) else None
            items = self._items(source)
            with tqdm(
                desc=source[-40:],
                unit=" records",
                file=sys.stderr,
                disable=quiet or None,  # None: only on a terminal
                leave=False,
            ) as progress:
                for record in import_items(items, base_url=base_url):
                    counts[record.outcome] += 1
                    progress.update()
                    if not quiet:
                        # The bar steps aside on stderr while the line goes to stdout.
                        with tqdm.external_write_mode(file=sys.stderr):
                            self.stdout.write(_line(source, record))
        totals = ", ".join(f"{counts[outcome]} {outcome}" for outcome in OUTCOMES)
        self.stdout.write(f"{counts.total()} records: {totals}.")

    def _items(self, source: str) -> Iterator[Item]:
        """The records of one source; a CommandError (exit status 1) if it cannot be read."""
        try:
            if source.startswith(("http://", "https://")):
                return iter(items_of_text(_fetch(source)))
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"{source}: no such file (give a file or an http(s) URL).")
            return _file_items(path)
        except UnreadableInput as error:
            raise CommandError(f"{source}: {error}") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{source}: not UTF-8 (byte {error.start}).") from None
        except OSError as error:
            raise CommandError(f"{source}: {error}") from None


def _file_items(path: Path) -> Iterator[Item]:
    """JSON lines are streamed a line at a time, in constant memory; any other document is read
    whole."""
    with path.open(encoding="utf-8-sig") as file:
        first = file.readline()
        second = file.readline()
    if _is_json_object(first) and second.strip():
        return _streamed(path)
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise CommandError(f"{path}: too big to read whole; split it, or give it as JSON lines.")
    return iter(items_of_text(path.read_text(encoding="utf-8-sig")))


def _streamed(path: Path) -> Iterator[Item]:
    with path.open(encoding="utf-8-sig") as file:
        yield from items_of_lines(file)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _fetch(url: str) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "claim-tracker import_claimreview"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_FETCH_BYTES + 1)
            charset = response.headers.get_content_charset() or "utf-8"
    except (URLError, TimeoutError, ValueError) as error:
        raise CommandError(f"{url}: could not fetch it: {getattr(error, 'reason', error)}") from None
    if len(body) > MAX_FETCH_BYTES:
        raise CommandError(
            f"{url}: larger than {MAX_FETCH_BYTES // 2**20} MiB; download it and import the file."
        )
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise CommandError(f"{url}: its content is not {charset} text.") from None


def _line(source: str, record: RecordReport) -> str:
    where = record.url or f"{source}, record {record.index}"
    if record.outcome == SKIPPED:
        return _printable(f"skipped    {where}: {record.reason}")
    return _printable(f"{record.outcome:<10} {where} (review {record.id})")


def _printable(line: str) -> str:
    """The line with control characters escaped: a record's text must not drive the terminal."""
    return CONTROL.sub(lambda match: repr(match[0])[1:-1], line)
