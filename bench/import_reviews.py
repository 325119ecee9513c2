"""Time and memory of `import_claimreview` on a large JSON lines file (issue 13: 10,000 records in
under a minute, in constant memory).

Writes N messy-but-valid ClaimReview records (string and number ratings, dates with and without
zones, author lists, `CreativeWork` items) from a fixed seed, then imports them twice into the
database given: the first run imports every record, the second finds each unchanged and writes
nothing. For each run it prints the wall time, the records per second and the command's peak
resident memory; a run at 5x the size shows whether memory stays flat.

    .venv/bin/python bench/import_reviews.py --database-url postgres://postgres@127.0.0.1:5432/claims_bench \\
        [--records 10000] [--scale 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "bridge",
    "budget",
    "minister",
    "tax",
    "rate",
    "jobs",
    "figure",
    "school",
    "vaccine",
    "record",
    "river",
    "housing",
    "rent",
]
PUBLISHERS = [("Example Check", "https://factcheck.example/"), ("Verdad", "https://verdad.example/")]


def record(rng: random.Random, n: int, run: str) -> dict:
    name, site = rng.choice(PUBLISHERS)
    author: object = {"@type": "Organization", "name": name, "url": site}
    if rng.random() < 0.2:
        author = [author, {"@type": "Person", "name": "A. Checker"}]
    value: object = rng.choice([1, 2, 3, "4", "5", None])
    date = rng.choice(["2024-03-02", "2024-03-02 20:02", "2024-03-02T10:00:00+02:00"])
    rating = {"@type": "Rating", "alternateName": rng.choice(["False", "Mostly true", "Misleading\r"])}
    if value is not None:
        rating |= {"ratingValue": value, "bestRating": 5, "worstRating": 1}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{site}bench/{run}/{n}",
        "claimReviewed": " ".join(rng.choices(WORDS, k=rng.randint(6, 20))) + f" {n}.",
        "datePublished": date,
        "inLanguage": rng.choice(["en", "es", "fr"]),
        "author": author,
        "reviewRating": rating,
        "itemReviewed": {
            "@type": rng.choice(["Claim", "CreativeWork", "creativeWork"]),
            "author": {"@type": "Person", "name": f"Speaker {n % 300}"},
            "datePublished": "2024-02-28",
        },
    }


def write(path: Path, records: int, run: str) -> None:
    rng = random.Random(records)
    with path.open("w") as out:
        for n in range(records):
            out.write(json.dumps(record(rng, n, run)) + "\n")


def import_once(path: Path, env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "import_claimreview", "--quiet", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import_claimreview failed:\n{result.stdout}\n{result.stderr}")
    # ru_maxrss of the children waited for so far: each run is larger than the one before it, or
    # reports the earlier peak; the table says so when they are equal.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb, result.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=5, help="the larger run, as a multiple of --records")
    args = parser.parse_args()
    env = dict(os.environ, DATABASE_URL=args.database_url)
    env.setdefault("SECRET_KEY", "bench-import-not-secret-" + "x" * 30)
    run = time.strftime("%Y%m%d%H%M%S")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (args.records, args.records * args.scale):
            path = Path(tmp) / f"reviews-{size}.jsonl"
            write(path, size, f"{run}-{size}")
            for attempt in ("first", "again"):
                elapsed, peak, totals = import_once(path, env)
                rows.append((size, attempt, elapsed, size / elapsed, peak, totals))
    # The records were this run's own (their URLs name it): leave the database as it was.
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM claims_review WHERE url LIKE %s", [f"%/bench/{run}-%"])
    print("| records | run | seconds | records/s | peak RSS so far (MB) | totals |")
    print("|---:|---|---:|---:|---:|---|")
    for size, attempt, elapsed, rate, peak, totals in rows:
        print(f"| {size:,} | {attempt} | {elapsed:.1f} | {rate:,.0f} | {peak:.0f} | {totals} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
