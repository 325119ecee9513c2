"""Request and response shapes. Output serializers read only what the selectors fetched: none of
them queries, so a page costs the same number of queries at any size."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from claims.models import (
    ARTICLE_BODY_MAX,
    LANGUAGE_TAG,
    SUMMARY_MAX,
    AnchorKind,
    Claim,
    ClaimStatus,
    Rating,
)
from claims.platform.pagination import BY_ID, BY_RECENT_UPDATE, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from claims.platform.schema import MAX_ID
from claims.selectors.visibility import verdict_visible

# --- query parameters -------------------------------------------------------------------------


class SentLength(serializers.CharField):
    """Text whose `max_length` counts what was sent, as the schema says, not what is left once
    trimmed: 201 characters with a trailing space are too many for a limit of 200."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)


class SearchText(SentLength):
    """A text query parameter: empty or blank means "no filter"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_blank=True, **kwargs)


class PageParams(serializers.Serializer):
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text=f"Rows per page, 1 to {MAX_PAGE_SIZE}.",
    )
    cursor = SentLength(
        required=False,
        allow_blank=True,
        max_length=512,
        help_text="From a `next` or `previous` link; opaque. Empty: the first page.",
    )


class ArticleListParams(PageParams):
    outlet = SearchText(max_length=200, help_text="Exact outlet name.")
    author = SearchText(max_length=200, help_text="Exact byline.")
    q = SearchText(max_length=500, help_text="Full text over headline and body.")


class ClaimListParams(PageParams):
    article = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(required=False, choices=ClaimStatus.choices)
    rating = serializers.ChoiceField(
        required=False,
        choices=Rating.choices,
        help_text="For clients, matches published verdicts only.",
    )
    claimant = SearchText(max_length=200, help_text="Case-insensitive substring of the claimant.")
    q = SearchText(
        max_length=500,
        help_text="Full text over quote and summary (for clients, published summaries only).",
    )
    updated_after = serializers.DateTimeField(
        required=False, help_text="RFC 3339 timestamp; claims changed strictly after it."
    )
    anchor = serializers.ChoiceField(
        required=False,
        choices=AnchorKind.choices,
        help_text="`fuzzy` or `orphaned`: the editors' queue of claims a correction unsettled.",
    )
    ordering = serializers.ChoiceField(
        required=False,
        choices=[BY_ID.name, BY_RECENT_UPDATE.name],
        default=BY_ID.name,
        help_text="`id` (default) or `-updated_at` (most recently changed first).",
    )


# --- responses --------------------------------------------------------------------------------


class Id(serializers.IntegerField):
    """A row's id: a 64-bit integer, as the schema says (`format: int64`), so that generated clients
    do not hold it in 32 bits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class ArticleSerializer(serializers.Serializer):
    id = Id(read_only=True)
    headline = serializers.CharField()
    author = serializers.CharField()
    outlet = serializers.CharField()
    url = serializers.URLField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField()
    claim_count = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="+1 on every change; the ETag's.")
    revision = serializers.IntegerField(
        read_only=True, help_text="1 for the text as first stored, +1 on every correction of the body."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField()


class EvidenceSerializer(serializers.Serializer):
    id = Id(read_only=True)
    url = serializers.URLField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    note = serializers.CharField()
    added_at = serializers.DateTimeField(read_only=True)


class CorrectionSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_rating = serializers.ChoiceField(choices=Rating.choices)
    to_rating = serializers.ChoiceField(choices=Rating.choices)
    note = serializers.CharField()


class ClaimSerializer(serializers.Serializer):
    """A claim as a viewer may see it: without the verdict (`rating`, `summary`, `evidence`,
    `corrections`) until it is published, unless the context says `drafts_visible`."""

    id = Id(read_only=True)
    article = Id(source="article_id")
    quote = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    claimant = serializers.CharField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    rating = serializers.ChoiceField(choices=Rating.choices, allow_null=True)
    summary = serializers.CharField(allow_null=True)
    evidence = EvidenceSerializer(many=True)
    corrections = CorrectionSerializer(many=True)
    version = serializers.IntegerField()
    anchor = serializers.ChoiceField(
        choices=AnchorKind.choices,
        help_text="`exact`: the quote stands unchanged in the current body; `fuzzy`: a correction "
        "changed its words and it was placed again, awaiting an editor; `orphaned`: its place was "
        "lost, and `quote`, `start` and `end` still refer to `revision`.",
    )
    anchor_score = serializers.FloatField(
        allow_null=True,
        help_text="0..1: how sure the last automatic re-anchoring was; null when placed by a person.",
    )
    revision = serializers.IntegerField(
        help_text="The article revision that `start`, `end` and `quote` refer to."
    )
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Claim) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not verdict_visible(instance.status, drafts_visible=self.context.get("drafts_visible", False)):
            data.update(rating=None, summary=None, evidence=[], corrections=[])
        return data


class ClaimEventSerializer(serializers.Serializer):
    id = Id()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.get_username")
    action = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2),
        help_text="Each changed field as `[old, new]`.",
    )
    note = serializers.CharField()
    version = serializers.IntegerField(help_text="The claim's version after this change.")


# --- request bodies ---------------------------------------------------------------------------
# JSON has types: a number where text belongs (or text where a number does) is the client's
# mistake to hear about, not something to coerce ({"claimant": 1e999} would be stored as "inf").


class Text(SentLength):
    # Its own key, not "invalid": that one is Url's "Enter a valid URL." for a string that is not.
    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class Integer(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Url(Text, serializers.URLField):
    default_error_messages = {"invalid": "Enter a valid URL."}


class ArticleCreateInput(serializers.Serializer):
    headline = Text(max_length=500)
    author = Text(max_length=200, required=False, allow_blank=True, default="")
    outlet = Text(max_length=200, required=False, allow_blank=True, default="")
    url = Url(max_length=2000, required=False, allow_null=True, allow_blank=True, default=None)
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    language = serializers.RegexField(
        LANGUAGE_TAG,
        max_length=35,
        required=False,
        trim_whitespace=False,  # " en" is not a language tag, as the schema's pattern says
        default="en",
        error_messages={"invalid": "Use a BCP 47 language tag such as `en` or `pt-BR`."},
    )
    body = Text(max_length=ARTICLE_BODY_MAX, trim_whitespace=False)


class ClaimCreateInput(serializers.Serializer):
    article = Integer(min_value=1, max_value=MAX_ID)
    quote = Text(trim_whitespace=False, max_length=ARTICLE_BODY_MAX)
    claimant = Text(max_length=200)
    start = Integer(required=False, min_value=0, max_value=ARTICLE_BODY_MAX)
    end = Integer(required=False, min_value=1, max_value=ARTICLE_BODY_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("start" in attrs) != ("end" in attrs):
            missing = "end" if "start" in attrs else "start"
            raise serializers.ValidationError({missing: ["Give both `start` and `end`, or neither."]})
        return attrs


class ClaimUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_null=True)
    summary = Text(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    claimant = Text(max_length=200, required=False)
    note = Text(max_length=SUMMARY_MAX, required=False, allow_blank=True, default="")
    quote = Text(
        trim_whitespace=False,
        max_length=ARTICLE_BODY_MAX,
        required=False,
        help_text="Places the claim again in the current body, as when creating one (with `start` "
        "and `end`, or where the quote occurs once); the claim becomes `exact`.",
    )
    start = Integer(required=False, min_value=0, max_value=ARTICLE_BODY_MAX)
    end = Integer(required=False, min_value=1, max_value=ARTICLE_BODY_MAX)
    anchor = serializers.ChoiceField(
        choices=[(AnchorKind.EXACT, AnchorKind.EXACT.label)],
        required=False,
        help_text="`exact` accepts a fuzzy claim's place as a re-anchoring found it.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("start" in attrs or "end" in attrs) and "quote" not in attrs:
            raise serializers.ValidationError(
                {"quote": ["Give the `quote` that stands at `start` and `end`."]}
            )
        if ("start" in attrs) != ("end" in attrs):
            missing = "end" if "start" in attrs else "start"
            raise serializers.ValidationError({missing: ["Give both `start` and `end`, or neither."]})
        return attrs


class ArticleUpdateInput(serializers.Serializer):
    headline = Text(max_length=500, required=False)
    author = Text(max_length=200, required=False, allow_blank=True)
    outlet = Text(max_length=200, required=False, allow_blank=True)
    url = Url(max_length=2000, required=False, allow_null=True, allow_blank=True)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.RegexField(
        LANGUAGE_TAG,
        max_length=35,
        required=False,
        trim_whitespace=False,
        error_messages={"invalid": "Use a BCP 47 language tag such as `en` or `pt-BR`."},
    )
    body = Text(
        max_length=ARTICLE_BODY_MAX,
        trim_whitespace=False,
        required=False,
        help_text="A corrected text: stored as a new revision, every claim re-anchored in it.",
    )
    note = Text(
        max_length=SUMMARY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the body was corrected, kept with the revision.",
    )


class EvidenceCreateInput(serializers.Serializer):
    url = Url(max_length=2000)
    title = Text(max_length=500, required=False, allow_blank=True, default="")
    publisher = Text(max_length=200, required=False, allow_blank=True, default="")
    note = Text(max_length=SUMMARY_MAX, required=False, allow_blank=True, default="")
