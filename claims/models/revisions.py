"""The texts an article has had: one append-only row per revision of its body."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models.articles import Article
from claims.models.base import AppendOnlyModel
from claims.models.claims import SUMMARY_MAX


class ArticleRevision(AppendOnlyModel):
    """The body of an article as it stood from `created_at` on. Revision 1 is the text as first
    stored; the article's current body is its highest revision's."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    note = models.TextField(max_length=SUMMARY_MAX, blank=True)
    # Who changed the body; NULL for texts stored before revisions were kept by actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # GET /articles/{id}/revisions/ and /revisions/{n}/ read by (article, number).
            models.UniqueConstraint(
                fields=["article", "number"], name="claims_articlerevision_one_per_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="claims_articlerevision_number_positive",
                violation_error_message="Revisions count from 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of article {self.article_id}"
