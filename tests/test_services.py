"""Rules the services keep for every caller (admin, shell, commands), not only for the API."""

import pytest
from django.contrib.auth.models import Group

from claims.accounts.services import token_create
from claims.models import ARTICLE_BODY_MAX, Article
from claims.platform.errors import ValidationFailed
from claims.services.articles import article_create


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"headline": "  ", "body": "text"}, "headline"),
        ({"headline": "H", "body": ""}, "body"),
        ({"headline": "H", "body": "x" * (ARTICLE_BODY_MAX + 1)}, "body"),
        ({"headline": "H", "body": "text", "language": "english please"}, "language"),
        ({"headline": "H", "body": "text", "language": "en\n"}, "language"),
    ],
)
def test_article_create_refuses_what_the_database_would(db, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        article_create(**fields)
    assert field in refused.value.errors
    assert not Article.objects.exists()


def test_a_recreated_editor_group_gets_its_admin_permissions(db):
    Group.objects.all().delete()
    token_create(username="ed", role="editor", days=1)
    granted = set(Group.objects.get(name="editor").permissions.values_list("codename", flat=True))
    assert {"change_claim", "add_article", "view_claimevent"} <= granted
    assert "change_claimevent" not in granted
    assert not Group.objects.get(name="client").permissions.exists()


@pytest.mark.parametrize("status", ["pending", "in_review", "published", "not_checkable"])
def test_a_locked_claim_is_the_instance_the_orm_would_load(make_claim, status):
    from django.db import transaction

    from claims.models import Claim
    from claims.platform.db import raw

    claim = make_claim(status=status)
    Claim.objects.filter(pk=claim.pk).update(anchor="fuzzy", anchor_score=0.75)
    loaded = Claim.objects.get(pk=claim.pk)
    with transaction.atomic():
        locked = raw.locked(Claim, claim.pk)
        assert raw.locked(Claim, claim.pk + 1000) is None
    assert locked is not None
    fields = [field.attname for field in Claim._meta.concrete_fields]
    values = [(getattr(locked, name), type(getattr(locked, name))) for name in fields]
    assert values == [(getattr(loaded, name), type(getattr(loaded, name))) for name in fields]
    assert not locked._state.adding
