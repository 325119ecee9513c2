from pathlib import Path

import pytest
from django.core.management import call_command

from claims.demo.nato_claims import CLAIMS
from claims.models import Article, Claim, ClaimEvent

SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "nato-column.txt"
VENDORED_SEED = Path(__file__).resolve().parents[1] / "claims" / "demo" / "nato-column.txt"


def test_every_claim_is_anchored_exactly(demo):
    claims = list(Claim.objects.filter(article=demo))
    assert len(claims) == len(CLAIMS) > 12
    for claim in claims:
        assert demo.body[claim.start : claim.end] == claim.quote
        assert demo.body[: claim.start].endswith(claim.prefix)
        assert demo.body[claim.end :].startswith(claim.suffix)
        assert len(claim.prefix) == min(32, claim.start)


def test_the_column_is_loaded_verbatim_by_its_author(demo):
    assert demo.body == VENDORED_SEED.read_text(encoding="utf-8")
    assert demo.author == "Bobby Ghosh"
    assert demo.outlet == "Bloomberg View"
    assert demo.published_at.year == 2019
    assert demo.published_at.month == 12
    assert 3 <= demo.published_at.day <= 7


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the shared seed folder is not beside this checkout")
def test_the_vendored_column_is_the_shared_seed_byte_for_byte():
    assert VENDORED_SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_nothing_is_taken_from_the_footer(demo):
    footer_starts = demo.body.index("Bloomberg View columnist")
    assert not Claim.objects.filter(end__gt=footer_starts).exists()


def test_the_demo_shows_every_status_and_published_verdicts_are_complete(demo):
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert statuses == {"pending", "in_review", "published", "not_checkable"}
    for claim in Claim.objects.filter(status="published"):
        assert claim.rating
        assert claim.summary
        assert claim.published_at
        assert claim.evidence.exists()


def test_quotations_name_their_speaker(demo):
    claimants = dict(Claim.objects.values_list("quote", "claimant"))
    assert claimants["brain death"] == "Emmanuel Macron"
    assert claimants["Your leadership on defense spending is having a real impact"] == "Jens Stoltenberg"


def test_every_step_of_the_demo_is_in_the_history(demo):
    for claim in Claim.objects.all():
        versions = list(
            ClaimEvent.objects.filter(claim_id=claim.pk).order_by("id").values_list("version", flat=True)
        )
        assert versions == list(range(1, claim.version + 1))


def test_running_it_twice_changes_nothing(demo, capsys):
    before = (
        list(Article.objects.values()),
        list(Claim.objects.order_by("id").values()),
        ClaimEvent.objects.count(),
    )
    call_command("load_demo")
    after = (
        list(Article.objects.values()),
        list(Claim.objects.order_by("id").values()),
        ClaimEvent.objects.count(),
    )
    assert after == before
    assert "nothing changed" in capsys.readouterr().out
