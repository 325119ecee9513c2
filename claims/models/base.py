"""What every model of the app shares: timestamps, and rows that are written once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length

# `quote__length`, `body__length`: LENGTH() in constraints, on every backend.
models.CharField.register_lookup(Length)
models.TextField.register_lookup(Length)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A row that is written once. The database refuses changes too (see the migration's triggers)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


def not_blank(value: str) -> None:
    """A text field's validator: some character other than white space."""
    if not value.strip():
        raise ValidationError("This may not be empty or only spaces.", code="blank")
