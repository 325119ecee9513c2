"""A claim as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/), so that Hypothesis
and other annotation clients can place it on the column and show its verdict.

The target is the article (its own URL, else this service's page for it), with a
TextQuoteSelector (the quote and its context) and a TextPositionSelector (its offsets, in code
points, as the model counts them). The body is the verdict once it is published, and nothing of a
draft, whoever asks.
"""

from __future__ import annotations

from typing import Any

from claims.models import RATING_VALUES, ClaimStatus, Rating

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'


def annotation_json(
    claim: dict[str, Any], *, annotation_url: str, target_url: str, prefix: str, suffix: str
) -> dict[str, Any]:
    published = claim["status"] == ClaimStatus.PUBLISHED
    annotation: dict[str, Any] = {
        "@context": CONTEXT,
        "id": annotation_url,
        "type": "Annotation",
        "motivation": "assessing" if published else "highlighting",
        "created": claim["created_at"],
        "modified": claim["updated_at"],
        "target": {
            "source": target_url,
            "selector": [
                {"type": "TextQuoteSelector", "exact": claim["quote"], "prefix": prefix, "suffix": suffix},
                {"type": "TextPositionSelector", "start": claim["start"], "end": claim["end"]},
            ],
        },
    }
    if published:
        label = Rating(claim["rating"]).label
        value = RATING_VALUES[claim["rating"]]
        annotation["body"] = [
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": claim["summary"],
                "format": "text/plain",
            },
            {
                "type": "TextualBody",
                "purpose": "tagging",
                "value": label if value is None else f"{label} ({value}/5)",
            },
        ]
    return annotation
