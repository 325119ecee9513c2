"""Correcting a long column that carries many claims: how long one correction takes, and whether
memory stays flat over many.

    .venv/bin/python bench/revise.py [--revisions 1000] [--claims 150] [--chars 8000]

Runs in-process against its own PostgreSQL database (REVISE_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/claims_bench_revise, created and migrated by Django's test
runner machinery, dropped at the end). It stores one article of about --chars characters with
--claims claims on its sentences, then applies --revisions corrections through the service
(`article_update`, the same transaction the API's PATCH runs: the new revision, every claim
re-anchored, its history events), each a small real-looking edit: a figure changed, a sentence
added, a sentence cut, a word rewritten. It prints p50/p95/max per correction, the claims' final
anchors, and the process's peak memory after each tenth of the run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "REVISE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench_revise"
)
os.environ.setdefault("SECRET_KEY", "bench-revise")

import django  # noqa: E402 - the path and settings above come first

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

WORDS = (
    "minister",
    "ministry",
    "budget",
    "deficit",
    "unemployment",
    "inflation",
    "report",
    "agency",
    "council",
    "survey",
    "figure",
    "percent",
    "rose",
    "fell",
    "doubled",
    "halved",
    "voters",
    "election",
    "treaty",
    "summit",
    "alliance",
    "defence",
    "spending",
)


def sentence(rng: random.Random, i: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
    return f"In {2000 + i % 25} the {words} stood at {rng.randint(2, 99)}%."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--claims", type=int, default=150)
    parser.add_argument("--chars", type=int, default=8000)
    args = parser.parse_args()
    rng = random.Random(1)

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from claims.models import AnchorKind, Claim
        from claims.services.articles import article_create, article_update
        from claims.services.claims import claim_create

        editor = get_user_model().objects.create(username="bench-editor")
        sentences: list[str] = []
        while sum(len(s) + 1 for s in sentences) < args.chars:
            sentences.append(sentence(rng, len(sentences)))
        body = " ".join(sentences)
        article = article_create(actor=editor, headline="A long column", body=body)
        for i in range(args.claims):
            text = sentences[i % len(sentences)]
            if i >= len(sentences):  # more claims than sentences: a phrase inside one
                words = text.split()
                text = " ".join(words[1:4])
            start = body.find(text, 0)
            while start != -1 and Claim.objects.filter(article=article, start=start).exists():
                start = body.find(text, start + 1)
            if start == -1:
                continue
            claim_create(
                actor=editor,
                article_id=article.pk,
                quote=text,
                claimant="Someone",
                start=start,
                end=start + len(text),
            )
        claims = Claim.objects.filter(article=article).count()
        print(f"article of {len(body):,} characters with {claims} claims; {args.revisions} corrections")

        timings: list[float] = []
        for n in range(args.revisions):
            kind = n % 4
            if kind == 0:  # a figure corrected
                i = rng.randrange(len(sentences))
                sentences[i] = sentences[i].rsplit(" ", 1)[0] + f" {rng.randint(2, 99)}%."
            elif kind == 1:  # a sentence added
                sentences.insert(rng.randrange(len(sentences)), sentence(rng, n))
            elif kind == 2 and len(sentences) > 20:  # a sentence cut
                sentences.pop(rng.randrange(len(sentences)))
            else:  # a word rewritten
                i = rng.randrange(len(sentences))
                words = sentences[i].split()
                words[rng.randrange(1, len(words) - 1)] = rng.choice(WORDS)
                sentences[i] = " ".join(words)
            started = time.perf_counter()
            article_update(
                actor=editor, article_id=article.pk, body=" ".join(sentences), note=f"correction {n}"
            )
            timings.append(time.perf_counter() - started)
            if (n + 1) % max(1, args.revisions // 10) == 0:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                recent = sorted(timings[-(args.revisions // 10) :])
                print(
                    f"  after {n + 1:5}: p50 {statistics.median(recent) * 1000:6.1f} ms, "
                    f"p95 {recent[int(len(recent) * 0.95) - 1] * 1000:6.1f} ms, peak memory {peak:6.1f} MiB"
                )
        ordered = sorted(timings)
        print(
            f"one correction: p50 {statistics.median(ordered) * 1000:.1f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
        )
        anchors = {
            kind: Claim.objects.filter(article=article, anchor=kind).count() for kind in AnchorKind.values
        }
        print(f"claims at the end: {anchors}")
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
