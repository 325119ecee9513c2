"""Evidence added to a claim."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from claims.models import (
    EventAction,
    Evidence,
)
from claims.services.versions import _lock, _record, _save_new_version


def evidence_add(
    *,
    actor: User,
    claim_id: int,
    url: str,
    title: str = "",
    publisher: str = "",
    note: str = "",
    expected_versions: frozenset[int] | None = None,
) -> Evidence:
    with transaction.atomic():
        claim = _lock(claim_id, expected_versions)
        evidence = Evidence.objects.create(
            claim=claim, url=url, title=title, publisher=publisher, note=note, added_by=actor
        )
        _save_new_version(claim, fields=[])
        _record(
            claim,
            actor,
            EventAction.EVIDENCE_ADDED,
            {"evidence": [None, {"id": evidence.pk, "url": url, "title": title, "publisher": publisher}]},
            note=note,
        )
    return evidence
