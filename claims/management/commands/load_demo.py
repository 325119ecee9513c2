"""Load the seed column with its hand-anchored claims. Running it again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.dateparse import parse_datetime

from claims.demo.nato_claims import ARTICLE, CLAIMS
from claims.models import Article, Claim, ClaimStatus
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add

COLUMN = Path(__file__).resolve().parents[2] / "demo" / "nato-column.txt"
# The history records who made each change; the demo's changes are this command's.
DEMO_ACTOR = "load_demo"


class Command(BaseCommand):
    help = "Loads the seed column (Bobby Ghosh on NATO, Bloomberg View, December 2019) and its claims."

    def handle(self, *args: Any, **options: Any) -> None:
        body = COLUMN.read_text(encoding="utf-8")
        with transaction.atomic():
            actor, _ = get_user_model().objects.get_or_create(
                username=DEMO_ACTOR, defaults={"is_active": False}
            )
            article = Article.objects.filter(url=ARTICLE["url"]).first()
            if article is None:
                article = article_create(
                    actor=actor,
                    headline=ARTICLE["headline"],
                    author=ARTICLE["author"],
                    outlet=ARTICLE["outlet"],
                    url=ARTICLE["url"],
                    published_at=parse_datetime(ARTICLE["published_at"]),
                    language=ARTICLE["language"],
                    body=body,
                )
            anchored = set(Claim.objects.filter(article=article).values_list("quote", flat=True))
            created = 0
            for spec in CLAIMS:
                if spec["quote"] in anchored:
                    continue
                self._load_claim(actor, article, spec)
                created += 1
        self.stdout.write(
            f"Loaded {created} claims into article {article.pk}."
            if created
            else f"The demo column is already loaded (article {article.pk}); nothing changed."
        )

    def _load_claim(self, actor: Any, article: Article, spec: dict[str, Any]) -> None:
        """Walk the claim through the workflow as an editor would, so its history is real."""
        claim = claim_create(
            actor=actor, article_id=article.pk, quote=spec["quote"], claimant=spec["claimant"]
        )
        status = spec["status"]
        if status == ClaimStatus.PENDING:
            return
        if status == ClaimStatus.NOT_CHECKABLE:
            claim_update(
                actor=actor,
                claim_id=claim.pk,
                expected_versions=None,
                status=ClaimStatus.NOT_CHECKABLE,
                note=spec["note"],
            )
            return
        draft: dict[str, Any] = {"summary": spec["summary"]}
        if spec["rating"]:
            draft["rating"] = spec["rating"]
        claim_update(
            actor=actor,
            claim_id=claim.pk,
            expected_versions=None,
            status=ClaimStatus.IN_REVIEW,
            note=spec["note"] if status == ClaimStatus.IN_REVIEW else "",
            **draft,
        )
        for item in spec["evidence"]:
            evidence_add(actor=actor, claim_id=claim.pk, **item)
        if status == ClaimStatus.PUBLISHED:
            claim_update(
                actor=actor,
                claim_id=claim.pk,
                expected_versions=None,
                status=ClaimStatus.PUBLISHED,
                note=spec["note"],
            )
