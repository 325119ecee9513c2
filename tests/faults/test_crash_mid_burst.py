"""PostgreSQL killed (kill -9 of the postmaster) and restarted in the middle of a burst of writes:
every acknowledged write is there with its history event, no write is half applied, and every
answer the writers got was either a success or a 503 problem.

Each writer thread owns the claims it creates, so it always knows what it expects: a write it
saw acknowledged must be in the database; a write whose answer it did not see (a 503) may or may
not be, but if it is, it is there whole. Writers refresh what they know with a GET after any
failure, as a careful client would, and go on writing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.faults.harness import (
    ARTICLES,
    CLAIMS,
    Cluster,
    Reply,
    Service,
    assert_unavailable,
    fault_test,
    wait_for,
)

pytestmark = fault_test

WRITERS = 4
# Acknowledged writes before the kill, and again after the restart, before the burst ends.
BEFORE, AFTER = 40, 40
SENTENCES = 800
# What a claim's history records, hence what replaying it must give back.
FIELDS = ("quote", "start", "end", "claimant", "status", "rating", "summary")


def sentence(i: int) -> str:
    return f"Claim {i}: the survey counted {i * 37 + 11} respondents in district {i}. "


@dataclass
class Ack:
    """A write the service acknowledged (2xx), and what it must have left behind."""

    kind: str  # "created", "status_changed" or "evidence_added"
    claim: int
    version: int
    expect: dict[str, Any]
    at: float


@dataclass
class Writer:
    number: int
    acks: list[Ack] = field(default_factory=list)
    failures: list[Reply] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    attempts: int = 0


@dataclass
class Known:
    """What a writer knows of one of its claims: None fields mean "ask the service first"."""

    etag: str | None
    version: int | None
    status: str | None


class Burst:
    def __init__(self, service: Service, token: str, article: int, offsets: list[tuple[int, int]]) -> None:
        self.service, self.token, self.article, self.offsets = service, token, article, offsets
        self.stop = threading.Event()
        self.writers = [Writer(i) for i in range(WRITERS)]
        self.lock = threading.Lock()
        self.acked = 0

    def run(self, writer: Writer) -> None:
        mine: dict[int, Known] = {}
        sentences = iter(range(writer.number, SENTENCES, WRITERS))
        step = 0
        while not self.stop.is_set():
            step += 1
            claim_ids = sorted(mine)
            try:
                if step % 3 == 1 or not claim_ids:
                    self.create(writer, mine, next(sentences))
                else:
                    claim = claim_ids[(step // 3) % len(claim_ids)]
                    if mine[claim].etag is None and not self.refresh(writer, claim, mine):
                        continue
                    if step % 3 == 2:
                        self.toggle(writer, claim, mine, step)
                    else:
                        self.add_evidence(writer, claim, mine, step)
            except StopIteration:
                return
            except Exception as exc:  # a dropped connection or an unexpected reply: the test fails on it
                writer.errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(0.1)

    def send(self, writer: Writer, method: str, path: str, **kwargs: Any) -> Reply | None:
        """The reply if it is a success; a failure is recorded, and the writer pauses a moment."""
        writer.attempts += 1
        reply = self.service.call(method, path, token=self.token, **kwargs)
        if 200 <= reply.status < 300:
            return reply
        writer.failures.append(reply)
        time.sleep(0.05)
        return None

    def acknowledge(self, writer: Writer, ack: Ack) -> None:
        writer.acks.append(ack)
        with self.lock:
            self.acked += 1

    def create(self, writer: Writer, mine: dict[int, Known], i: int) -> None:
        start, end = self.offsets[i]
        quote = sentence(i)[: end - start]
        body = {"article": self.article, "quote": quote, "claimant": f"Writer {writer.number}"}
        reply = self.send(writer, "POST", CLAIMS, body={**body, "start": start, "end": end})
        if reply is None:
            return  # it may or may not exist: the final check holds it to the same rules anyway
        created = reply.json()
        assert created["version"] == 1, created
        mine[created["id"]] = Known(reply.headers["etag"], 1, created["status"])
        expect = {"quote": quote, "start": start, "end": end}
        self.acknowledge(writer, Ack("created", created["id"], 1, expect, time.monotonic()))

    def refresh(self, writer: Writer, claim: int, mine: dict[int, Known]) -> bool:
        reply = self.send(writer, "GET", f"{CLAIMS}{claim}/")
        if reply is None:
            return False
        current = reply.json()
        mine[claim] = Known(reply.headers["etag"], current["version"], current["status"])
        return True

    def toggle(self, writer: Writer, claim: int, mine: dict[int, Known], step: int) -> None:
        known = mine[claim]
        target = "in_review" if known.status == "pending" else "pending"
        note = f"writer {writer.number} step {step}"
        mine[claim] = Known(None, None, None)  # until the answer says otherwise
        reply = self.send(
            writer,
            "PATCH",
            f"{CLAIMS}{claim}/",
            body={"status": target, "note": note},
            headers={"If-Match": str(known.etag)},
        )
        if reply is None:
            return
        updated = reply.json()
        assert (updated["status"], updated["version"]) == (target, (known.version or 0) + 1), updated
        mine[claim] = Known(reply.headers["etag"], updated["version"], target)
        expect = {"note": note, "changes": {"status": [known.status, target]}}
        self.acknowledge(writer, Ack("status_changed", claim, updated["version"], expect, time.monotonic()))

    def add_evidence(self, writer: Writer, claim: int, mine: dict[int, Known], step: int) -> None:
        known = mine[claim]
        url = f"https://example.org/evidence/{writer.number}/{step}"
        mine[claim] = Known(None, None, None)
        reply = self.send(
            writer,
            "POST",
            f"{CLAIMS}{claim}/evidence/",
            body={"url": url, "title": f"Source {step}"},
            headers={"If-Match": str(known.etag)},
        )
        if reply is None:
            return
        evidence = reply.json()
        version = (known.version or 0) + 1
        expect = {"evidence": evidence["id"], "url": url}
        self.acknowledge(writer, Ack("evidence_added", claim, version, expect, time.monotonic()))


def an_article_of_sentences(service: Service, token: str) -> tuple[int, list[tuple[int, int]]]:
    """A long article of unique sentences, and where each sentence's quote stands in it."""
    parts, offsets, at = [], [], 0
    for i in range(SENTENCES):
        text = sentence(i)
        parts.append(text)
        offsets.append((at, at + len(text) - 1))  # the sentence without its trailing space
        at += len(text)
    reply = service.call(
        "POST",
        ARTICLES,
        token=token,
        body={
            "headline": "Survey",
            "body": "".join(parts),
            "url": f"https://example.org/survey/{time.time()}",
        },
    )
    assert reply.status == 201, str(reply)
    return reply.json()["id"], offsets


def stored(cluster: Cluster, article: int) -> tuple[dict[int, dict], dict[int, list[dict]], dict[int, dict]]:
    """Claims, their history events and their evidence, read on a fresh connection."""
    with cluster.connect("claims") as conn, conn.cursor() as cursor:
        cursor.execute(
            'SELECT id, quote, start, "end", claimant, status, rating, summary, version '
            "FROM claims_claim WHERE article_id = %s",
            [article],
        )
        columns = [c.name for c in cursor.description or []]
        claims = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT claim_id, version, action, changes, note FROM claims_claimevent "
            "WHERE claim_id = ANY(%s) ORDER BY claim_id, version",
            [list(claims)],
        )
        events: dict[int, list[dict]] = {pk: [] for pk in claims}
        for claim_id, version, action, changes, note in cursor.fetchall():
            events[claim_id].append({"version": version, "action": action, "changes": changes, "note": note})
        cursor.execute(
            "SELECT id, claim_id, url FROM claims_evidence WHERE claim_id = ANY(%s)", [list(claims)]
        )
        evidence = {pk: {"claim": claim_id, "url": url} for pk, claim_id, url in cursor.fetchall()}
        # History rows whose claim is gone must end with its deletion; there are no deletions here.
        cursor.execute(
            "SELECT count(*) FROM claims_claimevent e WHERE NOT EXISTS "
            "(SELECT 1 FROM claims_claim c WHERE c.id = e.claim_id) AND e.action <> 'deleted'"
        )
        orphans = cursor.fetchone()
        assert orphans == (0,), "history events without their claim"
    return claims, events, evidence


def replayed(events: list[dict]) -> dict[str, Any]:
    """The claim as its history tells it: each event's old values must be the state before it."""
    assert events[0]["action"] == "created", events[0]
    state = {name: new for name, (_old, new) in events[0]["changes"].items()}
    state.update(rating=None, summary="", evidence=0)
    for event in events[1:]:
        if event["action"] == "evidence_added":
            state["evidence"] += 1
            continue
        for name, (old, new) in event["changes"].items():
            assert state[name] == old, f"event {event} does not follow from {state}"
            state[name] = new
    return state


def test_a_postmaster_killed_mid_burst_loses_no_acknowledged_write_and_half_applies_none(
    throwaway_cluster: Cluster, service: Service, editor_token: str
) -> None:
    article, offsets = an_article_of_sentences(service, editor_token)
    burst = Burst(service, editor_token, article, offsets)
    threads = [
        threading.Thread(target=burst.run, args=(w,), name=f"writer-{w.number}") for w in burst.writers
    ]
    for thread in threads:
        thread.start()
    try:
        wait_for(f"{BEFORE} acknowledged writes", lambda: burst.acked >= BEFORE, timeout=30, every=0.02)
        logged = throwaway_cluster.log.stat().st_size
        killed_at = time.monotonic()
        throwaway_cluster.crash()
        acked_when_killed = burst.acked
        throwaway_cluster.start()
        restarted_at = time.monotonic()
        # It was a crash, not a shutdown: PostgreSQL replayed the WAL before accepting connections.
        with throwaway_cluster.log.open() as log:
            log.seek(logged)
            assert "automatic recovery in progress" in log.read()
        wait_for(
            f"{AFTER} more acknowledged writes after the restart",
            lambda: burst.acked >= acked_when_killed + AFTER,
            timeout=30,
            every=0.02,
        )
    finally:
        burst.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"

    acks = [ack for w in burst.writers for ack in w.acks]
    failures = [reply for w in burst.writers for reply in w.failures]
    errors = [error for w in burst.writers for error in w.errors]
    # The service never dropped a connection or failed otherwise than with a 503 problem.
    assert errors == []
    for reply in failures:
        assert_unavailable(reply)
    # The kill fell in the middle of the burst: writes were acknowledged before it and after the
    # restart, and some failed in between.
    assert any(ack.at < killed_at for ack in acks)
    assert any(ack.at > restarted_at for ack in acks)
    assert failures, "no write failed: the kill did not hit the burst"

    claims, events, evidence = stored(throwaway_cluster, article)
    # Shown with the test's output if it fails.
    print(
        f"{sum(w.attempts for w in burst.writers)} writes and reads sent, {len(acks)} writes acknowledged "
        f"({sum(a.at < killed_at for a in acks)} before the kill), {len(failures)} answered 503, "
        f"{sum(map(len, events.values())) - len(acks)} applied without an acknowledgement, "
        f"{restarted_at - killed_at:.2f} s from the kill to accepting connections again"
    )

    for ack in acks:
        assert ack.claim in claims, f"acknowledged {ack} is lost"
        claim, history = claims[ack.claim], {e["version"]: e for e in events[ack.claim]}
        assert claim["version"] >= ack.version, (ack, claim)
        event = history.get(ack.version)
        assert event is not None, f"acknowledged {ack} has no history event"
        assert event["action"] == ack.kind, (ack, event)
        if ack.kind == "created":
            assert {k: claim[k] for k in ("quote", "start", "end")} == ack.expect, (ack, claim)
        elif ack.kind == "status_changed":
            assert {k: event[k] for k in ("note", "changes")} == ack.expect, (ack, event)
        else:
            assert event["changes"]["evidence"][1]["id"] == ack.expect["evidence"], (ack, event)
            assert evidence[ack.expect["evidence"]] == {"claim": ack.claim, "url": ack.expect["url"]}

    # Nothing half applied: each claim's history is exactly versions 1..version, and replaying it
    # gives the claim as stored, its evidence included.
    for pk, claim in claims.items():
        assert [e["version"] for e in events[pk]] == list(range(1, claim["version"] + 1)), (claim, events[pk])
        state = replayed(events[pk])
        assert {k: state[k] for k in FIELDS} == {k: claim[k] for k in FIELDS}, (claim, events[pk])
        assert state["evidence"] == sum(1 for e in evidence.values() if e["claim"] == pk), pk
