"""`platform/db/statements.Inlined`: a constant of the code's own written into a statement's text,
so that a plan made once can use the partial indexes that name it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimStatus
from claims.platform.db.statements import Inlined
from claims.selectors.visibility import visible_verdicts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    ["published'; DROP TABLE claims_claim; --", "in review", "", "100%", "état", 5, None],
)
def test_only_a_plain_word_can_be_inlined(value):
    with pytest.raises(ValueError, match="only plain words"):
        Inlined(value)


class Disguised(str):
    def __str__(self) -> str:
        return "x' OR '1'='1"


@pytest.mark.parametrize(
    ("value", "written"),
    [(ClaimStatus.PUBLISHED, "'published'"), ("in_review", "'in_review'"), (Disguised("ok"), "'ok'")],
)
def test_the_text_checked_is_the_text_written(value, written):
    sql, params = Inlined(value).as_sql(None, connection)
    assert (sql, params) == (written, [])


def test_an_inlined_status_filters_as_a_parameter_does_with_the_word_in_the_sql(make_claim):
    published = make_claim("unemployment fell to 4.2% in March", status="published")
    make_claim("unemployment fell again in April", status="in_review")
    by_parameter = Claim.objects.filter(Q(status=ClaimStatus.PUBLISHED)).values_list("pk", flat=True)
    with CaptureQueriesContext(connection) as sent:
        visible = list(
            Claim.objects.filter(visible_verdicts(drafts_visible=False)).values_list("pk", flat=True)
        )
    assert visible == list(by_parameter) == [published.pk]
    [query] = sent.captured_queries
    assert "= 'published'" in query["sql"]
    sql, params = Claim.objects.filter(visible_verdicts(drafts_visible=False)).query.sql_with_params()
    assert "'published'" in sql
    assert "published" not in params
