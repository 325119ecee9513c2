"""The fast JSON of claims (claims.api.representations) is exactly what the documented serializer
(ClaimSerializer, the OpenAPI schema's) would produce, for every claim of the demo and both roles,
and the rendered bytes say the same as DRF's own JSON renderer would."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from claims.api.representations import claims_json
from claims.api.serializers import ClaimSerializer
from claims.models import Claim
from claims.platform.renderers import OrjsonRenderer
from claims.selectors.claims import ClaimFilters, claim_detail, claim_rows, verdict_details
from claims.services.claims import claim_update


@pytest.fixture
def corrected_demo(demo, alice_user):
    published = Claim.objects.filter(status="published").order_by("id").first()
    claim_update(
        actor=alice_user, claim_id=published.pk, expected_versions=None, rating="mostly_true",
        note="A second source disagrees.",
    )  # fmt: skip
    return demo


@pytest.mark.parametrize("drafts_visible", [True, False], ids=["editor", "client"])
def test_fast_claims_match_the_documented_serializer(corrected_demo, drafts_visible):
    rows = list(claim_rows(drafts_visible=drafts_visible, filters=ClaimFilters()).order_by("id"))
    details = verdict_details(rows=rows, drafts_visible=drafts_visible)
    fast = json.loads(OrjsonRenderer().render(claims_json(rows, details, drafts_visible=drafts_visible)))

    instances = Claim.objects.order_by("id").prefetch_related("evidence", "corrections")
    documented = ClaimSerializer(instances, many=True, context={"drafts_visible": drafts_visible}).data
    slow = json.loads(JSONRenderer().render(documented))

    assert len(fast) == 30
    assert any(claim["corrections"] for claim in fast)
    assert any(claim["evidence"] for claim in fast)
    assert fast == slow


def test_the_renderer_writes_utc_timestamps_with_z(demo):
    row = claim_detail(claim_id=Claim.objects.filter(status="published").first().pk)
    rendered = OrjsonRenderer().render({"at": row["published_at"]}).decode()
    assert rendered.endswith('Z"}')
    assert (
        rendered
        == JSONRenderer().render({"at": row["published_at"].isoformat().replace("+00:00", "Z")}).decode()
    )
