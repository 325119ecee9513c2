"""Content negotiation with `?format=` honoured, for the one view that offers formats."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.negotiation import DefaultContentNegotiation


class FormatParameterNegotiation(DefaultContentNegotiation):
    """The API ignores `?format=` (URL_FORMAT_OVERRIDE is off: unknown parameters are ignored);
    the OpenAPI document offers YAML and JSON, and `?format=json` picks the latter."""

    # DRF reads only URL_FORMAT_OVERRIDE from its settings here.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE="format")  # type: ignore[assignment]
