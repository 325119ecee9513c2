"""Where a worker's time goes, from the raw stacks `bench/webhooks.py --profile DIR` writes (py-spy,
every thread, waits included): the main thread's samples by what they were doing.

    .venv/bin/python bench/webhooks_profile.py DIR/worker-*.txt
"""

from __future__ import annotations

import sys
from collections import Counter

# (label, every one of these must be in the stack), first match wins.
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("deliver: webhook_body, claim_detail query", ("deliver (claims/feed/tasks.py", "claim_detail")),
    ("deliver: webhook_body, the rest", ("deliver (claims/feed/tasks.py", "webhook_body")),
    ("deliver: sign", ("deliver (claims/feed/tasks.py", "sign (claims/feed/delivery.py")),
    ("deliver: post, resolve", ("deliver (claims/feed/tasks.py", "resolve (claims/feed/addresses.py")),
    ("deliver: post, watchdog", ("_exchange (claims/feed/delivery.py", "arm (claims/feed/delivery.py")),
    ("deliver: post, connect", ("_exchange (claims/feed/delivery.py", "connect (")),
    ("deliver: post, waiting for the answer", ("_exchange (claims/feed/delivery.py", "getresponse")),
    ("deliver: post, the rest", ("post (claims/feed/delivery.py",)),
    ("deliver: deliveries_record (INSERTs, UPDATE, COMMIT)", ("deliveries_record",)),
    ("deliver: delivery_failed", ("delivery_failed",)),
    ("deliver: lease, release, cursor reads", ("deliver (claims/feed/tasks.py",)),
    ("fan_out: subscriptions_due query", ("fan_out (claims/feed/tasks.py", "subscriptions_due")),
    (
        "fan_out: enqueue a deliver task per subscription (INSERT)",
        ("fan_out (claims/feed/tasks.py", "enqueue"),
    ),
    ("fan_out: the rest", ("fan_out (claims/feed/tasks.py",)),
    ("task queue: mark the task finished (UPDATE)", ("run_task", "set_")),
    ("task queue: the rest of run_task", ("run_task",)),
    ("task queue: pick the next task (SELECT ... FOR UPDATE SKIP LOCKED)", ("get_locked",)),
    ("task queue: claim it (UPDATE)", ("claim (django_tasks_db",)),
    ("task queue: commit of the claim", ("exclusive_transaction",)),
    ("worker loop: idle (sleep between empty polls)", ("sleep",)),
]


def label(stack: str) -> str:
    for name, needles in RULES:
        if all(needle in stack for needle in needles):
            return name
    return "worker loop: the rest"


def main(paths: list[str]) -> None:
    samples: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    for path in paths:
        with open(path) as lines:
            for line in lines:
                stack, _, count = line.rstrip().rpartition(" ")
                if "MainThread" not in stack.split(";", 1)[0]:
                    continue  # the sweeper and the watchdog timers
                name = label(stack)
                samples[name] += int(count)
                if stack.rsplit(";", 1)[-1].startswith("wait (psycopg"):
                    waiting[name] += int(count)
    total = sum(samples.values())
    print("| main thread doing | share | of which waiting on PostgreSQL |\n|---|---:|---:|")
    for name, share in samples.most_common():
        print(f"| {name} | {share / total:.1%} | {waiting[name] / share:.0%} |")


if __name__ == "__main__":
    main(sys.argv[1:])
