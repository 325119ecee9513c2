"""Articles, the claims anchored in them, their evidence and their append-only history, and the
tokens that reach them: one module per entity.

Writes go through `claims.services`; reads through `claims.selectors`. The database enforces every
invariant it can, so the admin, the shell and management commands cannot bypass them.
"""

from claims.models.articles import ARTICLE_BODY_MAX, LANGUAGE_TAG, Article
from claims.models.base import AppendOnlyModel, AppendOnlyQuerySet, TimeStampedModel
from claims.models.changes import Change, ChangeType
from claims.models.claims import (
    CONTEXT_CHARS,
    RATING_VALUES,
    SUMMARY_MAX,
    AnchorKind,
    Claim,
    ClaimStatus,
    Evidence,
    Rating,
)
from claims.models.history import ClaimEvent, Correction, EventAction
from claims.models.ratelimits import RateLimitCounter
from claims.models.reviews import Review
from claims.models.revisions import ArticleRevision
from claims.models.tokens import ApiToken
from claims.models.webhooks import Delivery, Subscription

__all__ = [
    "ARTICLE_BODY_MAX",
    "CONTEXT_CHARS",
    "LANGUAGE_TAG",
    "RATING_VALUES",
    "SUMMARY_MAX",
    "AnchorKind",
    "ApiToken",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Article",
    "ArticleRevision",
    "Change",
    "ChangeType",
    "Claim",
    "ClaimEvent",
    "ClaimStatus",
    "Correction",
    "Delivery",
    "EventAction",
    "Evidence",
    "RateLimitCounter",
    "Rating",
    "Review",
    "Subscription",
    "TimeStampedModel",
]
