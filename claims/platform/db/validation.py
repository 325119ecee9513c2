"""Model validation as the API's problem, and saving a row whose unique value may be taken.

Each rule lives on its model (a field validator, or a constraint with its
`violation_error_message`); services call `full_clean` before they save, so the API, the admin,
the shell and management commands all hear the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from rest_framework.settings import api_settings

from claims.platform.errors import ValidationFailed


def validation_failed(error: DjangoValidationError) -> ValidationFailed:
    """Django's ValidationError as the API's 400, field by field."""
    errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    return ValidationFailed(
        {api_settings.NON_FIELD_ERRORS_KEY if f == NON_FIELD_ERRORS else f: m for f, m in errors.items()}
    )


def full_clean(instance: Model, *, fields: Iterable[str] | None = None, constraints: bool = True) -> None:
    """`instance.full_clean()`, raising ValidationFailed. With `fields`, only those fields and the
    constraints on them are validated (a partial update's). `constraints=False` leaves the
    constraints to the database (validating each costs a query), for writes whose values the
    caller has already placed within them."""
    exclude = None
    if fields is not None:
        exclude = {f.name for f in instance._meta.fields} - set(fields)
    try:
        instance.full_clean(exclude=exclude, validate_constraints=constraints)
    except DjangoValidationError as error:
        raise validation_failed(error) from None


def validate_and_save(
    instance: Model,
    *,
    taken: Callable[[], ValidationFailed | None] = lambda: None,
    fields: Iterable[str] | None = None,
    constraints: bool = True,
    **save: Any,
) -> None:
    """Validate `instance` (`full_clean`, of `fields` only if given) and save it.

    `taken()` finds another row holding the instance's unique value and says which, as a problem
    to raise. It runs first, so its precise reason wins over the model's generic one, and again if
    the database's unique constraint refuses the save because a concurrent write got there first:
    either way the caller hears the same reason, and nothing is saved."""
    problem = taken()
    if problem is not None:
        raise problem
    full_clean(instance, fields=fields, constraints=constraints)
    try:
        with transaction.atomic():
            instance.save(**save)
    except IntegrityError:
        problem = taken()
        if problem is None:
            raise
        raise problem from None
