"""Partial updates: change only what the caller sent, and say what changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model


def apply_changes(instance: Model, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set each field of `values` that differs from the instance's, without saving. Returns the
    changes as `{field: [old, new]}`, which is what the history stores."""
    changes = {}
    for field, new in values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [old, new]
            setattr(instance, field, new)
    return changes
