"""Request body parsers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# JSON may escape a lone UTF-16 surrogate (`"\ud800"`); it is no character, has no UTF-8
# encoding, and no database can store it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, except that a document nested deeper than Python's parser can follow
    (a few kilobytes of `[`) is the client's 400, not a RecursionError and our 500, and so is a
    string holding a lone surrogate."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        if _has_lone_surrogate(data):
            raise ParseError(
                "JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff), no character."
            )
        return data


def _has_lone_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
