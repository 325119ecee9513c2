"""Query parameters and request bodies, validated by a serializer that is built once per thread.

Speed trick: building a serializer deep-copies its declared fields, which cost more than
validating a list's parameters or a PATCH's body (docs/PERFORMANCE.md). `run_validation` keeps
nothing on the instance (`is_valid` does) and raises the errors `is_valid` would (a body that is
not an object included: `to_internal_value` words that one as `is_valid` does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.request import Request
from rest_framework.serializers import Serializer

from claims.platform.errors import ValidationFailed

_serializers = threading.local()


def _shared(serializer_class: type[Serializer]) -> Serializer:
    known: dict[type[Serializer], Serializer] = _serializers.__dict__.setdefault("by_class", {})
    serializer = known.get(serializer_class)
    if serializer is None:
        serializer = known[serializer_class] = serializer_class()
    return serializer


def query_params(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """The request's query parameters, validated by `serializer_class` (a 400 if they are not).

    The rules, the same for every parameter: an unknown one is ignored; an empty one (`?status=`)
    is not given; one given twice (`?status=a&status=b`) is a 400, since taking either value
    would silently drop the other."""
    serializer = _shared(serializer_class)
    given = request.query_params
    names: Iterable[str] = serializer.fields.keys()
    repeated = {
        name: [f"Give `{name}` once; it was given {len(values)} times."]
        for name in names
        if len(values := given.getlist(name)) > 1
    }
    if repeated:
        raise ValidationFailed(repeated)
    return dict(serializer.run_validation(given))


def body(serializer_class: type[Serializer], data: Any, *, read_only: Iterable[str] = ()) -> dict[str, Any]:
    """A request body, validated by `serializer_class` (a 400 if it is not). A field the
    resource does not have at all (`"stauts"`) is a 400 naming it; the resource's `read_only`
    fields are accepted and ignored, never written."""
    serializer = _shared(serializer_class)
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - set(serializer.fields) - set(read_only))
        if unknown:
            raise ValidationFailed({name: [f"There is no field `{name}` here."] for name in unknown})
    return dict(serializer.run_validation(data))
