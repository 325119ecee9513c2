"""Every write. Each function is one transaction: the change, the claim's new `version` and its
history event commit together or not at all, whoever calls it (API, admin, shell, commands).

Claims are locked with SELECT ... FOR UPDATE before their version is compared, so two writers
holding the same version can never both succeed; the unique (claim, version) index on the history
is the database's own guarantee of the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims import roles
from claims.errors import Conflict, InvalidTransition, NotFound, PreconditionFailed, ValidationFailed
from claims.models import (
    ARTICLE_BODY_MAX,
    CONTEXT_CHARS,
    LANGUAGE_TAG,
    ApiToken,
    Article,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Correction,
    EventAction,
    Evidence,
)
from claims.tokens import generate_token

S = ClaimStatus

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.PENDING: frozenset({S.IN_REVIEW, S.NOT_CHECKABLE}),
    S.IN_REVIEW: frozenset({S.PENDING, S.PUBLISHED, S.NOT_CHECKABLE}),
    # `published` -> `published` is the contract's correction in place (a new rating or summary).
    S.PUBLISHED: frozenset({S.IN_REVIEW, S.PUBLISHED}),
    S.NOT_CHECKABLE: frozenset({S.PENDING}),
}


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""A field the caller did not send, as opposed to one sent as null."""


# --- articles ---------------------------------------------------------------------------------


def article_create(
    *,
    headline: str,
    body: str,
    author: str = "",
    outlet: str = "",
    url: str | None = None,
    published_at: datetime | None = None,
    language: str = "en",
) -> Article:
    url = url or None
    problems = {}
    if not headline.strip():
        problems["headline"] = ["The headline may not be empty."]
    if len(body) > ARTICLE_BODY_MAX:
        problems["body"] = [f"The body has {len(body)} characters; at most {ARTICLE_BODY_MAX} are allowed."]
    if not body:
        problems["body"] = ["The body may not be empty: claims are anchored in it."]
    if not LANGUAGE_TAG.fullmatch(language):
        problems["language"] = ["Use a BCP 47 language tag such as `en` or `pt-BR`."]
    if problems:
        raise ValidationFailed(problems)
    article = Article(
        headline=headline,
        body=body,
        author=author,
        outlet=outlet,
        url=url,
        published_at=published_at,
        language=language,
    )
    try:
        with transaction.atomic():
            if url is not None:
                existing = Article.objects.filter(url=url).values_list("id", flat=True).first()
                if existing is not None:
                    raise _duplicate_url(existing)
            article.save()
    except IntegrityError:
        taken_by = Article.objects.filter(url=url).values_list("id", flat=True).first() if url else None
        if taken_by is None:
            raise
        # Another request stored the same URL between our check and our insert.
        raise _duplicate_url(taken_by) from None
    return article


def _duplicate_url(existing_id: int | None) -> ValidationFailed:
    where = f" (article {existing_id})" if existing_id is not None else ""
    return ValidationFailed({"url": [f"An article with this URL already exists{where}."]})


# --- claims -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def anchor_quote(body: str, quote: str, *, start: int | None = None, end: int | None = None) -> Anchor:
    """Where `quote` stands in `body`: at the given offsets, which must hold exactly that quote,
    or, without offsets, at its only occurrence. Raises ValidationFailed saying what is wrong."""
    if not quote:
        raise ValidationFailed({"quote": ["The quote may not be empty."]})
    positions = _occurrences(body, quote, limit=6)
    if start is None or end is None:
        if not positions:
            raise ValidationFailed({"quote": ["The quote does not occur in the article's body."]})
        if len(positions) > 1:
            listed = ", ".join(str(p) for p in positions[:5]) + (", ..." if len(positions) > 5 else "")
            raise ValidationFailed(
                {
                    "quote": [
                        f"The quote occurs more than once in the article's body (at offsets {listed}); "
                        "give `start` and `end` to say which one."
                    ]
                }
            )
        start = positions[0]
        end = start + len(quote)
    elif end <= start:
        raise ValidationFailed({"end": [f"`end` ({end}) must be greater than `start` ({start})."]})
    elif end > len(body):
        raise ValidationFailed(
            {"end": [f"`end` ({end}) is past the end of the article's body ({len(body)} characters)."]}
        )
    elif body[start:end] != quote:
        hint = (
            f" The quote occurs at offset{'s' if len(positions) > 1 else ''} "
            + ", ".join(str(p) for p in positions[:5])
            + "."
            if positions
            else " The quote does not occur in the body at all."
        )
        raise ValidationFailed(
            {"quote": [f"The body at [{start}:{end}] is {body[start:end]!r}, not the quote.{hint}"]}
        )
    return Anchor(
        start=start,
        end=end,
        prefix=body[max(0, start - CONTEXT_CHARS) : start],
        suffix=body[end : end + CONTEXT_CHARS],
    )


def _occurrences(body: str, quote: str, *, limit: int) -> list[int]:
    """Start offsets of `quote` in `body`, overlapping ones included, at most `limit`."""
    found: list[int] = []
    at = body.find(quote)
    while at != -1 and len(found) < limit:
        found.append(at)
        at = body.find(quote, at + 1)
    return found


def claim_create(
    *,
    actor: User,
    article_id: int,
    quote: str,
    claimant: str,
    start: int | None = None,
    end: int | None = None,
) -> Claim:
    try:
        with transaction.atomic():
            article = Article.objects.filter(pk=article_id).only("id", "body").first()
            if article is None:
                raise ValidationFailed({"article": [f"There is no article {article_id}."]})
            anchor = anchor_quote(article.body, quote, start=start, end=end)
            _refuse_duplicate_span(article_id, anchor)
            claim = Claim.objects.create(
                article=article,
                quote=quote,
                start=anchor.start,
                end=anchor.end,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                claimant=claimant,
            )
            _record(
                claim,
                actor,
                EventAction.CREATED,
                {
                    "quote": [None, quote],
                    "start": [None, anchor.start],
                    "end": [None, anchor.end],
                    "claimant": [None, claimant],
                    "status": [None, claim.status],
                },
            )
    except IntegrityError:
        # A concurrent request anchored the same span after our check.
        _refuse_duplicate_span(article_id, anchor)
        raise
    return claim


def _refuse_duplicate_span(article_id: int, anchor: Anchor) -> None:
    existing = (
        Claim.objects.filter(article_id=article_id, start=anchor.start, end=anchor.end)
        .values_list("id", flat=True)
        .first()
    )
    if existing is not None:
        raise ValidationFailed({"quote": [f"Claim {existing} already anchors this quote at these offsets."]})


def claim_update(
    *,
    actor: User,
    claim_id: int,
    expected_versions: frozenset[int] | None,
    status: str = UNSET,
    rating: str | None = UNSET,
    summary: str = UNSET,
    claimant: str = UNSET,
    note: str = "",
) -> Claim:
    """Change a claim's verdict, status or claimant, following the workflow.

    `expected_versions` are the versions the caller accepts (its `If-Match`; None: any). Moving a
    published verdict back to review, or correcting it in place, needs a `note`; publishing needs
    a rating and a summary. A request that changes nothing returns the claim as it is.
    """
    with transaction.atomic():
        claim = _lock(claim_id, expected_versions)
        wanted = {"status": status, "rating": rating, "summary": summary, "claimant": claimant}
        changes = {
            field: [getattr(claim, field), value]
            for field, value in wanted.items()
            if value is not UNSET and getattr(claim, field) != value
        }
        if not changes:
            return claim

        current = claim.status
        target = changes["status"][1] if "status" in changes else current
        if target != current and target not in TRANSITIONS[current]:
            raise InvalidTransition(current, target, TRANSITIONS[current])
        verdict_changed = "rating" in changes or "summary" in changes
        correcting = current == S.PUBLISHED and target == S.PUBLISHED and verdict_changed
        if current == S.PUBLISHED and (target == S.IN_REVIEW or correcting) and not note.strip():
            what = "Correcting a published verdict" if correcting else "Withdrawing a published verdict"
            raise ValidationFailed({"note": [f"{what} needs a `note` saying why."]})

        for field, (_, new) in changes.items():
            setattr(claim, field, new)
        if target == S.PUBLISHED:
            missing = {}
            if not claim.rating:
                missing["rating"] = ["A published claim needs a rating."]
            if not claim.summary.strip():
                missing["summary"] = ["A published claim needs a non-empty summary."]
            if missing:
                raise ValidationFailed(missing)
        if target != current:
            claim.published_at = timezone.now() if target == S.PUBLISHED else None

        if correcting:
            Correction.objects.create(
                claim=claim,
                from_rating=changes.get("rating", [claim.rating])[0],
                to_rating=cast(str, claim.rating),  # checked above: a published claim has one
                note=note,
            )
        action = (
            EventAction.CORRECTED
            if correcting
            else EventAction.STATUS_CHANGED
            if target != current
            else EventAction.UPDATED
        )
        _save_new_version(claim, fields=[*changes, "published_at"])
        _record(claim, actor, action, changes, note=note)
    return claim


def claim_delete(*, actor: User, claim_id: int, expected_versions: frozenset[int] | None) -> None:
    """Delete a claim that is still pending. Its history stays, ending with the deletion."""
    with transaction.atomic():
        claim = _lock(claim_id, expected_versions)
        if claim.status != S.PENDING:
            raise Conflict(
                f"Only pending claims can be deleted; this one is '{claim.status}'. "
                "Move it back to 'pending' first if it really should go "
                f"({' -> '.join(_path_to_pending(claim.status))})."
            )
        claim.version += 1
        _record(
            claim,
            actor,
            EventAction.DELETED,
            {
                "quote": [claim.quote, None],
                "claimant": [claim.claimant, None],
                "status": [claim.status, None],
            },
        )
        claim.delete()


def _path_to_pending(status: str) -> list[str]:
    """The shortest walk through the workflow from `status` back to pending."""
    paths = [[status]]
    while paths:
        path = paths.pop(0)
        if path[-1] == S.PENDING:
            return path
        paths.extend([*path, nxt] for nxt in sorted(TRANSITIONS[path[-1]]) if nxt not in path)
    return [status]


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


def _lock(claim_id: int, expected_versions: frozenset[int] | None) -> Claim:
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    if expected_versions is not None and claim.version not in expected_versions:
        raise PreconditionFailed(
            f"The claim has changed since you read it: it is at version {claim.version}. "
            "Fetch it again, then retry with its new ETag."
        )
    return claim


def _save_new_version(claim: Claim, *, fields: list[str]) -> None:
    claim.version += 1
    claim.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _record(
    claim: Claim, actor: User, action: str, changes: dict[str, list[Any]], *, note: str = ""
) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim_id=claim.pk, actor=actor, action=action, changes=changes, note=note, version=claim.version
    )


# --- tokens -----------------------------------------------------------------------------------


def token_create(*, username: str, role: str, days: int | None, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `username` (created if new), whose role becomes `role`. Returns the
    token row and the plaintext token, which exists nowhere else: show it once."""
    if role not in roles.GROUPS:
        raise ValidationFailed({"role": [f"Role must be one of {', '.join(roles.GROUPS)}."]})
    with transaction.atomic():
        user, _ = get_user_model().objects.get_or_create(username=username)
        role_groups = _role_groups()
        # A user has one role: switching to client takes editing away.
        user.groups.remove(*[g for n, g in role_groups.items() if n != role])
        user.groups.add(role_groups[role])
        if not user.is_superuser:
            # Editors work in the Django admin too; clients never do.
            user.is_staff = role == roles.EDITOR
            user.save(update_fields=["is_staff"])
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        for _attempt in range(5):
            new = generate_token()
            try:
                with transaction.atomic():
                    token = ApiToken.objects.create(
                        user=user, name=name, prefix=new.prefix, digest=new.digest, expires_at=expires_at
                    )
                return token, new.plaintext
            except IntegrityError:
                continue  # a 1-in-4-billion prefix collision: draw again
    raise RuntimeError("Could not draw a unique token prefix.")


def _role_groups() -> dict[str, Group]:
    """The role groups, created with their permissions if missing (migration 0003 creates them;
    a flushed or hand-pruned database may not have them)."""
    groups = {}
    for name in roles.GROUPS:
        group, created = Group.objects.get_or_create(name=name)
        if created and name == roles.EDITOR:
            permissions = roles.EDITOR_PERMISSIONS.items()
            codenames = [f"{action}_{model}" for model, actions in permissions for action in actions]
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
            )
        groups[name] = group
    return groups


def token_revoke(*, prefix: str | None = None, username: str | None = None) -> int:
    """Revoke one token by its prefix, or every live token of a user. Returns how many."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if prefix:
        tokens = tokens.filter(prefix=prefix)
    elif username:
        tokens = tokens.filter(user__username=username)
    else:
        raise ValidationFailed({"token": ["Name a token prefix or a username."]})
    return tokens.update(revoked_at=timezone.now())


# --- article metadata -------------------------------------------------------------------------


def article_update(
    *,
    article_id: int,
    expected_updated_at: datetime | None = None,
    headline: str = UNSET,
    author: str = UNSET,
    outlet: str = UNSET,
    url: str | None = UNSET,
    published_at: datetime | None = UNSET,
    language: str = UNSET,
) -> Article:
    """Change an article's metadata. There is no way to change its body: every claim's offsets
    point into it.

    `expected_updated_at` is the `updated_at` the caller read (None: any). Articles have no
    version, so their last change stands in for one: if it is newer, someone else changed the
    article meanwhile, and nothing is written.
    """
    if url is not UNSET:
        url = url or None
    if headline is not UNSET and not headline.strip():
        raise ValidationFailed({"headline": ["The headline may not be empty."]})
    wanted: dict[str, Any] = {
        "headline": headline,
        "author": author,
        "outlet": outlet,
        "url": url,
        "published_at": published_at,
        "language": language,
    }
    try:
        with transaction.atomic():
            article = Article.objects.select_for_update().defer("body").filter(pk=article_id).first()
            if article is None:
                raise NotFound(f"There is no article {article_id}.")
            if expected_updated_at is not None and article.updated_at != expected_updated_at:
                raise PreconditionFailed(
                    f"The article has changed since you read it (last at {article.updated_at.isoformat()}). "
                    "Read it again, then retry."
                )
            changed = [
                field
                for field, value in wanted.items()
                if value is not UNSET and getattr(article, field) != value
            ]
            if not changed:
                return article
            if "url" in changed and url is not None:
                others = Article.objects.filter(url=url).exclude(pk=article_id)
                existing = others.values_list("id", flat=True).first()
                if existing is not None:
                    raise _duplicate_url(existing)
            for field in changed:
                setattr(article, field, wanted[field])
            article.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        taken_by = (
            Article.objects.filter(url=url).exclude(pk=article_id).values_list("id", flat=True).first()
            if url is not UNSET and url is not None
            else None
        )
        if taken_by is None:
            raise
        # Another request stored the same URL between our check and our update.
        raise _duplicate_url(taken_by) from None
    return article
