"""Migration 0009 gives every existing article its revision 1 and every claim `exact` at revision 1,
losing nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("claims", "0008_model_validation_messages")]
AFTER = [("claims", "0009_article_revisions_and_anchors")]


@pytest.mark.django_db(transaction=True)
def test_existing_articles_get_revision_1_and_claims_stay_exactly_where_they_were():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="before")
    Article = old.get_model("claims", "Article")
    Claim = old.get_model("claims", "Claim")
    bodies = ["Prices rose 5% in May.", "The minister resigned on Tuesday. Critics cheered."]
    articles = [Article.objects.create(headline=f"Column {i}", body=body) for i, body in enumerate(bodies)]
    Claim.objects.create(article=articles[0], quote="rose 5%", start=7, end=14, claimant="ONS")
    Claim.objects.create(article=articles[1], quote="Critics cheered.", start=34, end=50, claimant="X")
    before = list(Claim.objects.order_by("id").values("id", "quote", "start", "end", "version"))
    assert user.pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Article = new.get_model("claims", "Article")
    Claim = new.get_model("claims", "Claim")
    ArticleRevision = new.get_model("claims", "ArticleRevision")
    for article in Article.objects.all():
        (revision,) = ArticleRevision.objects.filter(article=article)
        assert (revision.number, revision.body, revision.actor_id) == (1, article.body, None)
        assert revision.created_at == article.created_at
        assert (article.version, article.revision) == (1, 1)
    after = list(Claim.objects.order_by("id").values("id", "quote", "start", "end", "version"))
    assert after == before
    assert set(Claim.objects.values_list("anchor", "revision", "anchor_score")) == {("exact", 1, None)}

    # Back to the latest state, for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
