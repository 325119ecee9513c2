"""The append-only record of every change to a claim, and of corrections to published verdicts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models.base import AppendOnlyModel
from claims.models.claims import SUMMARY_MAX, Claim, Rating


class EventAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    STATUS_CHANGED = "status_changed", "Status changed"
    CORRECTED = "corrected", "Corrected"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    DELETED = "deleted", "Deleted"
    REANCHORED = "reanchored", "Re-anchored"


class ClaimEvent(AppendOnlyModel):
    # No database foreign key: a deleted claim keeps its history, which records the deletion.
    claim = models.ForeignKey(Claim, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=EventAction.choices)
    changes = models.JSONField(default=dict)
    note = models.TextField(max_length=SUMMARY_MAX, blank=True)
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=EventAction.values),
                name="claims_claimevent_action_valid",
                violation_error_message="Unknown history action.",
            ),
            # One event per version of a claim: two writers can never both record version n.
            models.UniqueConstraint(
                fields=["claim", "version"],
                name="claims_claimevent_one_per_version",
                violation_error_message="The claim's history already has an event for this version.",
            ),
        ]
        # GET /claims/{id}/history/ reads by claim in version order: the unique index above.

    def __str__(self) -> str:
        return f"{self.action} v{self.version} of claim {self.claim_id}"


class Correction(AppendOnlyModel):
    """A change to a published verdict, shown to readers beside it."""

    # Like the history, a correction outlives its claim (see ClaimEvent.claim).
    claim = models.ForeignKey(
        Claim, on_delete=models.DO_NOTHING, db_constraint=False, related_name="corrections"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_rating = models.CharField(max_length=16, choices=Rating.choices)
    to_rating = models.CharField(max_length=16, choices=Rating.choices)
    note = models.TextField(max_length=SUMMARY_MAX)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="claims_correction_note_not_empty",
                violation_error_message="A correction needs a note saying why.",
            ),
        ]
        # The claim's corrections are read by claim_id, in id order, through the FK index.

    def __str__(self) -> str:
        return f"correction of claim {self.claim_id} at {self.at:%Y-%m-%d}"
