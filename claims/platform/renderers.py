"""JSON rendering with orjson: several times faster than the standard library's encoder on the
list pages, and it writes datetimes as RFC 3339 itself (UTC as `Z`, as DRF does)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer


class OrjsonRenderer(JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, option=orjson.OPT_UTC_Z, default=str)


class JsonLdRenderer(OrjsonRenderer):
    """JSON-LD (a Web Annotation, ClaimReview), rendered like any JSON."""

    media_type = "application/ld+json"
    format = "jsonld"
