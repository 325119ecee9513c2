#!/usr/bin/env python3
# ruff: noqa: SIM905, RUF001 -- word lists as text; non-ASCII letters on purpose
"""Load a realistic claim tracker into PostgreSQL, from a fixed seed, fast.

    python bench/generate.py --database-url postgres://postgres@127.0.0.1:5432/claims_bench \
        [--articles 10000 --claims 1000000 --seed 1] [--verify] [--verify-only]

1. (Re)creates the database through a maintenance connection and runs the project's own
   migrations into it (`manage.py migrate`), so schema, constraints, triggers and indexes are
   exactly the service's.
2. Drops the indexes that back no constraint, and the foreign keys, remembering their exact
   definitions (pg_get_indexdef / pg_get_constraintdef).
3. Streams articles, claims, evidence, history events and corrections through COPY, one
   connection per table, while Python generates the rows (the backends parse while we generate).
4. Recreates the foreign keys (validated) and the indexes with the very same definitions, checks
   that the schema's index and constraint set is identical to what `migrate` made, resets the
   identity sequences, VACUUM ANALYZEs.
5. Creates an editor and a client token through `manage.py create_token` into bench/.tokens.

Every CHECK and unique constraint stays in force during the load; the append-only triggers fire
only on UPDATE/DELETE, so COPY inserts pass them. `--verify` then checks the invariants with SQL.
The same seed gives the same rows (on the same Python minor version).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

try:
    import orjson

    def dumps(value: object) -> str:
        return orjson.dumps(value).decode()
except ImportError:  # pragma: no cover - orjson is in bench/requirements.txt

    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test", "test_test"}
CONTEXT_CHARS = 32
MARKER = "claims-bench"

# --- vocabulary -------------------------------------------------------------------------------

STOPWORDS = (
    "the of and to a in that is was it for on as with by at from his her their this be has have had "
    "not are were but or an its which they who will would been more than about after over into also "
    "there can when only all one most other some what so up out if no we our he she them then these "
    "those because while before since just very such any each both many much under between against"
).split()

# Newsroom words, most frequent first after the stopwords; a few carry non-ASCII letters so that
# offsets are code points, not bytes, on real data.
NEWS = (
    "said government minister percent million billion year years economy election budget president "
    "country countries alliance defence spending summit nato members leaders officials report data "
    "figures people public policy party vote voters poll tax taxes debt growth jobs wages health "
    "hospital schools police crime court judge law bill parliament congress senate campaign "
    "opposition coalition leader spokesman survey study record history month week decade city region "
    "state world europe european american british french german turkish russian chinese china russia "
    "turkey france germany britain america washington london moscow beijing ankara brussels paris "
    "berlin allies member agreement deal talks meeting conference statement claim fact evidence rate "
    "rates price prices market markets bank company companies industry workers citizens children "
    "families women students pension housing rent cost costs funding investment aid security threat "
    "attack war peace ceasefire missile missiles weapons nuclear army navy forces base operation "
    "mission crisis refugees asylum island coast sea north south east west promise promised pledge "
    "increase increased decrease fell rose doubled highest lowest largest first last new former "
    "current official ministry department agency office committee commission council union treaty "
    "sanctions oil gas energy climate emissions trade tariff tariffs deficit inflation unemployment "
    "border migration military troops reform imports exports factory farmers wheat harvest drought "
    "flood storm vaccine doctors nurses patients waiting list interview television newspaper column "
    "editor speech rally protest strike talks treaty referendum Erdoğan Macron Zürich café naïve São "
    "Paulo Düsseldorf Kraków Ibáñez Gdańsk Malmö Curaçao"
).split()

ONSETS = ("b br c ch d dr f fl g gr h j k l m n p pl pr r s sh st t th tr v w z qu sk").split()
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "ia", "oa"]
CODAS = ["", "", "n", "r", "l", "s", "t", "m", "nd", "st", "rk", "x"]

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua "
    "Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ahmet Mehmet "
    "Ayşe Fatma Jens Angela Emmanuel Boris Olaf Justin Recep Viktor Giorgia Pedro Ursula Mette Sanna "
    "Kaja Mark Petr Andrzej Nicolás Zoë Chloé Søren Björn Łukasz Ines Jörg Renée Hélène Raúl Ana "
    "Ivan Olga Dmitri Yuki Hiroshi Wei Li Priya Arjun Fatima Omar Layla Kwame Amara Chidi Thabo "
    "Lerato Diego Lucía Mateo Sofía"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Yılmaz Kaya Demir "
    "Şahin Çelik Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Dubois Durand Lefèvre "
    "Moreau Rossi Russo Bianchi Kowalski Nowak Wiśniewski Novák Svoboda Horváth Nagy Kovács Andersen "
    "Nielsen Hansen Johansson Larsson Virtanen Korhonen Ivanov Petrov Sokolov Tanaka Suzuki Wang "
    "Zhang Chen Liu Patel Sharma Khan Ahmed Ali Hassan Okafor Mensah Dlamini Silva Santos Oliveira "
    "Pereira Costa Fernández"
).split()
ORGANISATIONS = (
    "The Ministry of Defence|The White House|The Kremlin|NATO's secretary-general|The European "
    "Commission|The Treasury|The opposition party|The central bank|The prime minister's office|The "
    "mayor's office|The health ministry|A government spokesman|The trade union|The employers' "
    "federation|The statistics office|The finance ministry|The foreign ministry|The army|The police"
).split("|")
OUTLETS = (
    "The Daily Ledger|Bloomberg View|The Evening Standard-Bearer|Le Monde Diplomatique Review|The "
    "Northern Courier|The Capital Times|Harbour Gazette|The Morning Post-Dispatch|Global Affairs "
    "Weekly|The Valley Herald|Der Tagesspiegel Review|The Continental|Metro Chronicle|The Island "
    "Observer|The Plains Tribune|Financial Sentinel|The Republic Review|Coastal Examiner|The Civic "
    "Record|Atlantic Dispatch"
).split("|")
PUBLISHERS = (
    "Office for National Statistics|World Bank|International Monetary Fund|Eurostat|NATO|Stockholm "
    "International Peace Research Institute|OECD|United Nations|Bureau of Labor Statistics|Federal "
    "Reserve|European Central Bank|Reuters|Associated Press|Hansard|Congressional Budget Office|"
    "Parliamentary Budget Office|World Health Organization|Pew Research Center|YouGov|Ipsos"
).split("|")
RATINGS = ["false", "mostly_false", "half_true", "mostly_true", "true", "misleading", "unproven"]
RATING_WEIGHTS = [25, 20, 15, 15, 10, 10, 5]
STATUSES = ["pending", "in_review", "published", "not_checkable"]
STATUS_WEIGHTS = [60, 10, 20, 10]
DESK = [
    "desk-amara",
    "desk-bjorn",
    "desk-chloe",
    "desk-diego",
    "desk-hiroshi",
    "desk-ines",
    "desk-kwame",
    "desk-lucia",
    "desk-omar",
    "desk-priya",
    "desk-soren",
    "desk-yuki",
]


def pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    seen = set(taken)
    while len(words) < count:
        word = "".join(
            rng.choice(ONSETS) + rng.choice(NUCLEI) + (rng.choice(CODAS) if i else "")
            for i in range(rng.choice((2, 2, 3, 3, 4)))
        )
        if len(word) >= 4 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_cum_weights(n: int, s: float, q: float = 2.7) -> list[float]:
    total = 0.0
    cum = []
    for rank in range(n):
        total += 1.0 / (rank + q) ** s
        cum.append(total)
    return cum


class Text:
    """Sentences from a Zipf-skewed vocabulary: stopwords, newsroom words, then a long tail of
    pseudo-words, so full-text search has very common, common, rare and absent terms."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.content = NEWS + pseudo_words(rng, 30_000, set(NEWS) | set(STOPWORDS))
        self.content_cum = zipf_cum_weights(len(self.content), 1.05)
        self.stop_cum = zipf_cum_weights(len(STOPWORDS), 1.0, q=1.5)
        self.names = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(self.names)

    def sentence(self, min_words: int = 6, max_words: int = 32) -> str:
        rng = self.rng
        n = rng.randint(min_words, max_words)
        n_stop = int(n * rng.uniform(0.3, 0.5))
        words = rng.choices(self.content, cum_weights=self.content_cum, k=n - n_stop)
        words += rng.choices(STOPWORDS, cum_weights=self.stop_cum, k=n_stop)
        rng.shuffle(words)
        r = rng.random()
        if r < 0.12:
            words.insert(rng.randrange(len(words)), str(rng.randint(1950, 2024)))
        elif r < 0.24:
            words.insert(rng.randrange(len(words)), f"{rng.randint(1, 99)}.{rng.randint(0, 9)} percent")
        elif r < 0.30:
            words.insert(rng.randrange(len(words)), f"{rng.randint(2, 999)},{rng.randint(0, 999):03d}")
        if rng.random() < 0.25 and n > 8:
            words[rng.randrange(2, len(words) - 1)] += ","
        text = " ".join(words)
        r = rng.random()
        if r < 0.05 and n > 10:
            cut = text.find(" ", len(text) // 2)
            if cut > 0:
                text = text[:cut] + " —" + text[cut:]
        text = text[0].upper() + text[1:]
        if r > 0.9:
            name = rng.choice(self.names[:400])
            return f"“{text},” said {name}."
        return text + ("?" if r > 0.97 else ".")

    def body(self, target: int) -> tuple[str, list[tuple[int, int]]]:
        """An article body of at most `target` characters, and its sentences' spans."""
        rng = self.rng
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        length = 0
        in_paragraph = 0
        paragraph_len = rng.randint(2, 6)
        while True:
            sentence = self.sentence()
            sep = "" if not parts else (" " if in_paragraph else "\n\n")
            if length + len(sep) + len(sentence) > target:
                break
            parts.append(sep)
            length += len(sep)
            parts.append(sentence)
            spans.append((length, length + len(sentence)))
            length += len(sentence)
            in_paragraph += 1
            if in_paragraph >= paragraph_len:
                in_paragraph = 0
                paragraph_len = rng.randint(2, 6)
        return "".join(parts), spans


# --- COPY text format ---------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def esc(value: str) -> str:
    if "\\" in value or "\n" in value or "\t" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


NULL = "\\N"


def ts(value: datetime | None) -> str:
    return NULL if value is None else value.isoformat()


class Stream:
    """One COPY ... FROM STDIN on its own connection, fed in large chunks."""

    def __init__(self, stack: ExitStack, url: str, table: str, columns: list[str]) -> None:
        self.conn = stack.enter_context(psycopg.connect(url))
        self.conn.execute("SET synchronous_commit = off")
        self.cursor = stack.enter_context(self.conn.cursor())
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        self.copy = stack.enter_context(self.cursor.copy(statement))
        self.buffer: list[str] = []
        self.size = 0
        self.rows = 0

    def row(self, line: str) -> None:
        self.buffer.append(line)
        self.rows += 1
        if len(self.buffer) >= 4000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.buffer.clear()


# --- the data -----------------------------------------------------------------------------------

EPOCH = datetime(2019, 1, 7, 6, 0, tzinfo=UTC)
SPAN = timedelta(days=6 * 365)


def jitter(rng: random.Random, low_minutes: float, high_minutes: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low_minutes, high_minutes))


def claim_counts(rng: random.Random, articles: int, claims: int) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(articles)]
    total = sum(weights)
    counts = [max(1, int(claims * w / total)) for w in weights]
    i = 0
    while sum(counts) != claims:
        diff = claims - sum(counts)
        step = 1 if diff > 0 else -1
        if counts[i % articles] + step >= 1:
            counts[i % articles] += step
        i += 1
    return counts


def pick_spans(rng: random.Random, body: str, sentences: list[tuple[int, int]], count: int):
    """`count` distinct word-aligned spans of 30..250 characters within one paragraph: whole
    sentences about a third of the time, otherwise a stretch of words of lognormal length."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", body)]
    starts = [t[0] for t in tokens]
    ends = [t[1] for t in tokens]
    whole = [(s, e) for s, e in sentences if 30 <= e - s <= 250]
    chosen: set[tuple[int, int]] = set()
    spans: list[tuple[int, int]] = []
    attempts = 0
    while len(spans) < count:
        attempts += 1
        if attempts > count * 200:
            raise RuntimeError(f"cannot place {count} claims in a body of {len(body)} characters")
        if whole and rng.random() < 0.35:
            start, end = rng.choice(whole)
        else:
            i = rng.randrange(len(tokens))
            start = starts[i]
            target = int(min(250, max(30, rng.lognormvariate(4.55, 0.5))))
            j = bisect.bisect_right(ends, start + target) - 1
            if j < i:
                continue
            end = ends[j]
            newline = body.find("\n", start, end)
            if newline != -1:
                j = bisect.bisect_right(ends, newline) - 1
                if j < i:
                    continue
                end = ends[j]
            while end > start and body[end - 1] in ",;:—":
                end -= 1
            if body[end - 1] == " ":
                end -= 1
        if not 30 <= end - start <= 250 or (start, end) in chosen:
            continue
        chosen.add((start, end))
        spans.append((start, end))
    spans.sort()
    return spans


ARTICLE_COLUMNS = (
    "id created_at updated_at headline author outlet url published_at language body version revision"
).split()
# Revision 1 of each article: its body as first stored, as migration 0009 and the services make it.
REVISION_COLUMNS = "id article_id number body note created_at".split()
# The change feed (migration 0012): one row per article created and per claim history event, in
# the order they are generated, as the services record them.
CHANGE_COLUMNS = "position at type article_id claim_id version".split()
CLAIM_COLUMNS = (
    "id created_at updated_at quote start end prefix suffix claimant status rating summary version "
    "published_at article_id revision anchor"
).split()
EVIDENCE_COLUMNS = "id url title publisher note added_at added_by_id claim_id".split()
EVENT_COLUMNS = "id at action changes note version actor_id claim_id".split()
CORRECTION_COLUMNS = "id at from_rating to_rating note claim_id".split()


class Loader:
    """Generates every row from one random stream, in one fixed order, and writes each table's
    rows to its own COPY."""

    def __init__(self, args: argparse.Namespace, stack: ExitStack, url: str, desk_ids: list[int]) -> None:
        self.rng = rng = random.Random(args.seed)
        self.text = Text(rng)
        self.desk_ids = desk_ids
        self.claimant_cum = zipf_cum_weights(3000, 1.0, q=3.0)
        # A few thousand claimants, skewed: a handful of leaders are quoted all the time.
        self.claimants = self.text.names[: 3000 - len(ORGANISATIONS)] + ORGANISATIONS
        rng.shuffle(self.claimants)
        self.authors = self.text.names[3000:3200]  # the columnists
        self.counts = claim_counts(rng, args.articles, args.claims)
        self.step = SPAN / args.articles
        self.articles = Stream(stack, url, "claims_article", ARTICLE_COLUMNS)
        self.claims = Stream(stack, url, "claims_claim", CLAIM_COLUMNS)
        self.evidence = Stream(stack, url, "claims_evidence", EVIDENCE_COLUMNS)
        self.events = Stream(stack, url, "claims_claimevent", EVENT_COLUMNS)
        self.corrections = Stream(stack, url, "claims_correction", CORRECTION_COLUMNS)
        self.revisions = Stream(stack, url, "claims_articlerevision", REVISION_COLUMNS)
        self.changes = Stream(stack, url, "claims_change", CHANGE_COLUMNS)
        self.streams = (
            self.articles,
            self.claims,
            self.evidence,
            self.events,
            self.corrections,
            self.revisions,
            self.changes,
        )
        self.claim_id = self.evidence_id = self.event_id = self.correction_id = self.position = 0

    def article(self, article_id: int) -> None:
        rng, text = self.rng, self.text
        published = EPOCH + self.step * (article_id - 1) + jitter(rng, 0, 600)
        created = published - jitter(rng, 5, 180)
        author = rng.choice(self.authors)
        outlet = rng.choice(OUTLETS)
        body, sentences = text.body(rng.randint(3300, 8000))
        headline = text.sentence(5, 12).rstrip(".?")
        slug = "-".join(re.findall(r"[a-z]+", headline.lower())[:8])
        site = re.sub(r"[^a-z]", "", outlet.lower())
        url = f"https://{site}.example/{published:%Y/%m}/{slug}-{article_id}"
        self.articles.row(
            f"{article_id}\t{ts(created)}\t{ts(created)}\t{esc(headline)}\t{author}\t{outlet}\t"
            f"{url}\t{ts(published)}\ten\t{esc(body)}\t1\t1\n"
        )
        self.revisions.row(f"{article_id}\t{article_id}\t1\t{esc(body)}\t\t{ts(created)}\n")
        self.change(created, "article.created", article_id, None, 1)
        spans = pick_spans(rng, body, sentences, self.counts[article_id - 1])
        names = rng.choices(self.claimants, cum_weights=self.claimant_cum, k=len(spans))
        states = rng.choices(STATUSES, weights=STATUS_WEIGHTS, k=len(spans))
        at = published + jitter(rng, 30, 600)
        for (start, end), claimant, status in zip(spans, names, states, strict=True):
            if rng.random() < 0.25:  # the columnist's own claim
                claimant = author
            at += jitter(rng, 0.05, 3)
            self.claim(article_id, body, start, end, claimant, status, at)

    def claim(
        self, article_id: int, body: str, start: int, end: int, claimant: str, status: str, at: datetime
    ):
        """One claim and its history: the events that took it to `status`, each a version."""
        rng, text = self.rng, self.text
        self.claim_id += 1
        quote = body[start:end]
        actor = rng.choice(self.desk_ids)
        created = {"quote": [None, quote], "start": [None, start], "end": [None, end]}
        created.update(claimant=[None, claimant], status=[None, "pending"])
        self.history: list[tuple[datetime, int, str, dict, str]] = [(at, actor, "created", created, "")]
        self.when = at
        rating: str | None = None
        summary = ""
        published_at = None
        if status == "pending":
            if rng.random() < 0.1:
                renamed = rng.choices(self.claimants, cum_weights=self.claimant_cum)[0]
                if renamed != claimant:
                    # The claim was first attributed to someone else.
                    created["claimant"][1] = renamed
                    self.record(self.later(), actor, "updated", {"claimant": [renamed, claimant]})
        elif status == "not_checkable":
            note = rng.choice(["Opinion, not a statement of fact.", "A prediction.", ""])
            self.record(self.later(), actor, "status_changed", {"status": ["pending", "not_checkable"]}, note)
        else:
            self.record(self.later(), actor, "status_changed", {"status": ["pending", "in_review"]})
            if status == "in_review":
                if rng.random() < 0.3:
                    self.add_evidence(actor)
                if rng.random() < 0.3:  # a draft verdict, visible to editors only
                    rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
                    summary = " ".join(text.sentence() for _ in range(rng.randint(1, 2)))
                    self.record(
                        self.later(), actor, "updated", {"rating": [None, rating], "summary": ["", summary]}
                    )
            else:
                for _ in range(rng.randint(1, 3)):
                    self.add_evidence(actor)
                rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
                summary = " ".join(text.sentence() for _ in range(rng.randint(1, 3)))
                published_at = self.later(30, 3000)
                publish = {
                    "status": ["in_review", "published"],
                    "rating": [None, rating],
                    "summary": ["", summary],
                }
                self.record(published_at, rng.choice(self.desk_ids), "status_changed", publish)
                if rng.random() < 0.05:
                    old, rating = rating, rng.choice([r for r in RATINGS if r != rating])
                    note = "Corrected: " + text.sentence(5, 16)
                    when = self.later(600, 20000)
                    self.correction_id += 1
                    self.corrections.row(
                        f"{self.correction_id}\t{ts(when)}\t{old}\t{rating}\t{esc(note)}\t{self.claim_id}\n"
                    )
                    self.record(when, actor, "corrected", {"rating": [old, rating]}, note)

        for number, (when, who, action, changes, note) in enumerate(self.history, start=1):
            self.event_id += 1
            self.events.row(
                f"{self.event_id}\t{ts(when)}\t{action}\t{esc(dumps(changes))}\t{esc(note)}\t"
                f"{number}\t{who}\t{self.claim_id}\n"
            )
            self.change(when, change_type(action, changes), article_id, self.claim_id, number)
        prefix = body[max(0, start - CONTEXT_CHARS) : start]
        suffix = body[end : end + CONTEXT_CHARS]
        self.claims.row(
            f"{self.claim_id}\t{ts(at)}\t{ts(self.when)}\t{esc(quote)}\t{start}\t{end}\t{esc(prefix)}\t"
            f"{esc(suffix)}\t{claimant}\t{status}\t{rating or NULL}\t{esc(summary)}\t{len(self.history)}\t"
            f"{ts(published_at)}\t{article_id}\t1\texact\n"
        )

    def change(self, at: datetime, type_: str, article_id: int, claim_id: int | None, version: int) -> None:
        self.position += 1
        claim = NULL if claim_id is None else claim_id
        self.changes.row(f"{self.position}\t{ts(at)}\t{type_}\t{article_id}\t{claim}\t{version}\n")

    def later(self, low: float = 10, high: float = 4000) -> datetime:
        self.when += jitter(self.rng, low, high)
        return self.when

    def record(self, at: datetime, actor: int, action: str, changes: dict, note: str = "") -> None:
        self.history.append((at, actor, action, changes, note))

    def add_evidence(self, editor: int) -> None:
        rng = self.rng
        self.evidence_id += 1
        publisher = rng.choice(PUBLISHERS)
        title = self.text.sentence(4, 10).rstrip(".?")
        note = self.text.sentence(5, 18) if rng.random() < 0.4 else ""
        url = f"https://evidence.example/{publisher.lower().replace(' ', '-')}/{self.evidence_id}"
        at = self.later(20, 2000)
        self.evidence.row(
            f"{self.evidence_id}\t{url}\t{esc(title)}\t{publisher}\t{esc(note)}\t{ts(at)}\t"
            f"{editor}\t{self.claim_id}\n"
        )
        added = {"id": self.evidence_id, "url": url, "title": title, "publisher": publisher}
        self.record(at, editor, "evidence_added", {"evidence": [None, added]}, note)


def change_type(action: str, changes: dict) -> str:
    """The feed's type of a history event, as claims.services.changes.claim_change_type says."""
    if action == "created":
        return "claim.created"
    if action == "corrected":
        return "claim.corrected"
    if action == "status_changed" and changes["status"][1] == "published":
        return "claim.published"
    return "claim.updated"


def generate(args: argparse.Namespace, url: str, desk_ids: list[int]) -> dict[str, int]:
    with ExitStack() as stack:
        loader = Loader(args, stack, url, desk_ids)
        for article_id in range(1, args.articles + 1):
            loader.article(article_id)
            if article_id % 1000 == 0:
                print(f"  ... {article_id:,} articles, {loader.claim_id:,} claims", flush=True)
        for stream in loader.streams:
            stream.flush()
        # Leaving the stack ends each COPY, then commits and closes its connection.
    names = ("articles", "claims", "evidence", "events", "corrections", "revisions", "changes")
    return {name: stream.rows for name, stream in zip(names, loader.streams, strict=True)}


# --- schema handling ------------------------------------------------------------------------------

LOADED = [
    "claims_article",
    "claims_claim",
    "claims_evidence",
    "claims_claimevent",
    "claims_correction",
    "claims_articlerevision",
    "claims_change",
]
# Each loaded table's primary key, whose sequence continues after the loaded rows.
PRIMARY_KEY = {"claims_change": "position"}

INDEXES_SQL = """
SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND t.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid)
ORDER BY c.relname
"""
FOREIGN_KEYS_SQL = """
SELECT k.conname, t.relname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
WHERE k.contype = 'f' AND t.relname = ANY(%s)
ORDER BY k.conname
"""
SCHEMA_SQL = """
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
UNION ALL
SELECT 'constraint', k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'public'
UNION ALL
SELECT 'trigger', g.tgname, pg_get_triggerdef(g.oid)
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND NOT g.tgisinternal
ORDER BY 1, 2
"""


def schema_fingerprint(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in conn.execute(SCHEMA_SQL).fetchall()]


def run_parallel(url: str, jobs: list[tuple[str, str]], workers: int = 2) -> None:
    """Run (label, statement) jobs on `workers` connections, biggest first."""
    queue = list(jobs)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                with lock:
                    if not queue or errors:
                        return
                    label, statement = queue.pop(0)
                started = time.monotonic()
                try:
                    conn.execute(statement)
                except BaseException as exc:  # surfaced after the join
                    errors.append(exc)
                    return
                print(f"    {label}: {time.monotonic() - started:.1f}s", flush=True)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# Rough relative cost of building each index, so the two build connections finish together.
def index_cost(name: str, table: str) -> float:
    weight = {
        "claims_claim": 10,
        "claims_claimevent": 20,
        "claims_evidence": 3,
        "claims_correction": 0.1,
        "claims_article": 0.1,
        "claims_articlerevision": 0.1,
        "claims_change": 2,
    }[table]
    if "search" in name:
        weight *= 6 if table == "claims_claim" else 300
    if "trgm" in name:
        weight *= 4
    return weight


# --- main -------------------------------------------------------------------------------------------


def manage(url: str, *args: str) -> str:
    # The RUM indexes of migration 0015 too, whose reads bench/run measures (docs/PERFORMANCE.md).
    env = dict(
        os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="project.settings", SEARCH_ORDERED_INDEXES="on"
    )
    env.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE
    )
    return result.stdout


def write_tokens(url: str, path: Path) -> Path:
    """An editor and a client token, made by the project's own command, into `path` (0600)."""
    tokens = {
        role: manage(
            url, "create_token", f"bench-{role}", "--role", role, "--no-expiry", "--name", "benchmark"
        ).strip()
        for role in ("editor", "client")
    }
    lines = [f"# Written by bench/generate.py for {url}\n"]
    lines += [f"BENCH_{role.upper()}_TOKEN={token}\n" for role, token in tokens.items()]
    path.write_text("".join(lines))
    path.chmod(0o600)
    return path


def tokens_valid(url: str, path: Path) -> bool:
    """Whether `path` holds an editor and a client token whose prefixes exist in the database."""
    if not path.exists():
        return False
    prefixes = re.findall(r"^BENCH_(?:EDITOR|CLIENT)_TOKEN=ct_([0-9a-f]{8})_", path.read_text(), re.MULTILINE)
    if len(prefixes) != 2:
        return False
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT count(*) FROM claims_apitoken WHERE prefix = ANY(%s) AND revoked_at IS NULL", [prefixes]
        ).fetchone()[0]
    return found == 2


def current_marker(url: str, dbname: str) -> str | None:
    with psycopg.connect(make_conninfo(url, dbname="postgres")) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
    return row[0] if row else None


def phase(name: str, started: float) -> None:
    now = time.monotonic()
    print(f"[{now - started:7.1f}s] {name}", flush=True)


def marker(args: argparse.Namespace) -> str:
    """What the database was made from: the sizes, the seed and the newest migration, so a change
    of schema regenerates the data instead of loading the service against stale tables."""
    newest = max(path.stem for path in (ROOT / "claims" / "migrations").glob("0*.py"))
    return f"{MARKER} seed={args.seed} articles={args.articles} claims={args.claims} schema={newest}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench"),
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verify", action="store_true", help="check the invariants after loading")
    parser.add_argument("--verify-only", action="store_true", help="only check an existing database")
    parser.add_argument("--tokens-file", default=str(BENCH / ".tokens"))
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing if the database holds this seed's complete data (tokens renewed if lost)",
    )
    args = parser.parse_args()

    url = args.database_url
    dbname = conninfo_to_dict(url).get("dbname")
    if not dbname or dbname in PROTECTED_DATABASES:
        parser.error(f"refusing to (re)create database {dbname!r}: name a dedicated one, e.g. claims_bench")
    if args.verify_only:
        from verify import verify

        return verify(url)
    if args.if_missing and current_marker(url, dbname) == marker(args):
        # Migrations added since the load (an index, a statistics target) apply to the data as is.
        manage(url, "migrate", "--no-input", "-v", "0")
        if not tokens_valid(url, Path(args.tokens_file)):
            print(f"Data present; new tokens in {write_tokens(url, Path(args.tokens_file))}")
        print(f"{dbname} already holds {marker(args)}: not regenerated (--regenerate to force).")
        return 0

    t0 = time.monotonic()
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    phase(f"database {dbname} created", t0)

    manage(url, "migrate", "--no-input", "-v", "0")
    phase("migrations applied (manage.py migrate)", t0)

    with psycopg.connect(url, autocommit=True) as conn:
        before = schema_fingerprint(conn)
        indexes = conn.execute(INDEXES_SQL, [LOADED]).fetchall()
        foreign_keys = conn.execute(FOREIGN_KEYS_SQL, [LOADED]).fetchall()
        for name, _table, _definition in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for name, table, _definition in foreign_keys:
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        # The desk: the editors whom the history names as actors.
        editor_group = conn.execute("SELECT id FROM auth_group WHERE name = 'editor'").fetchone()[0]
        desk_ids = []
        for username in DESK:
            user_id = conn.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined) VALUES ('!', false, %s, '', '', '', true, true, %s) "
                "RETURNING id",
                [username, EPOCH],
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [user_id, editor_group]
            )
            desk_ids.append(user_id)
    phase(f"dropped {len(indexes)} indexes and {len(foreign_keys)} foreign keys for the load", t0)

    stats = generate(args, url, desk_ids)
    phase("COPY done: " + ", ".join(f"{v:,} {k}" for k, v in stats.items()), t0)

    jobs = [
        (f"index {name}", definition)
        for name, table, definition in sorted(indexes, key=lambda row: -index_cost(row[0], row[1]))
    ]
    jobs += [
        (f"foreign key {name}", f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for name, table, definition in foreign_keys
    ]
    run_parallel(url, jobs)
    with psycopg.connect(url, autocommit=True) as conn:
        after = schema_fingerprint(conn)
        if after != before:
            missing = sorted(set(before) - set(after))
            extra = sorted(set(after) - set(before))
            raise SystemExit(f"schema differs from the migrated one!\nmissing: {missing}\nextra: {extra}")
        for table in LOADED:
            key = PRIMARY_KEY.get(table, "id")
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, {k}), "
                    "(SELECT coalesce(max({c}), 0) + 1 FROM {i}), false)"
                ).format(
                    t=sql.Literal(table), k=sql.Literal(key), c=sql.Identifier(key), i=sql.Identifier(table)
                )
            )
    phase(
        f"indexes and foreign keys recreated ({len(before)} schema objects identical to migrate's); "
        "sequences reset",
        t0,
    )

    run_parallel(
        url,
        [
            (f"vacuum analyze {table}", f"VACUUM (ANALYZE) {table}")
            for table in [
                "claims_claimevent",
                "claims_claim",
                "claims_evidence",
                "claims_article",
                "claims_correction",
                "claims_articlerevision",
                "claims_change",
            ]
        ],
    )
    phase("VACUUM ANALYZE", t0)

    path = write_tokens(url, Path(args.tokens_file))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(dbname), sql.Literal(marker(args)))
        )
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    phase(f"tokens written to {path}; database size {size}; total", t0)

    if args.verify:
        from verify import verify

        return verify(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
