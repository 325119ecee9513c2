"""The feed's tasks, run by `python manage.py worker` through Django's task API.

The task rows only wake workers up. What must be delivered is known from the feed itself and
each subscription's cursor, so a task lost with a worker killed mid-way loses nothing: the
worker's sweep (`claims.feed.worker`) enqueues a delivery for every subscription still behind."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from claims.feed.delivery import deliver_subscription
from claims.platform.db import raw
from claims.selectors.changes import subscription_get, subscriptions_due


@task()
def deliver(subscription_id: int) -> dict[str, Any]:
    outcome = deliver_subscription(subscription_id)
    if outcome.failed:
        subscription = subscription_get(subscription_id=subscription_id)
        if subscription is not None and subscription.disabled_at is None and subscription.next_attempt_at:
            deliver.using(run_after=subscription.next_attempt_at).enqueue(subscription_id)
    elif outcome.more:
        deliver.enqueue(subscription_id)
    return {"delivered": outcome.delivered, "failed": outcome.failed, "busy": outcome.busy}


@task()
def fan_out() -> int:
    """Enqueue a delivery for every subscription that has changes to receive, unless one is
    queued for it already (it will see these changes when it runs) or a worker holds it (that
    worker looks again once it lets go: `deliver_subscription`)."""
    _drop_queued_fan_outs()
    queued = _queued_deliveries()
    due = [subscription_id for subscription_id in subscriptions_due() if subscription_id not in queued]
    for subscription_id in due:
        deliver.enqueue(subscription_id)
    return len(due)


def _drop_queued_fan_outs() -> None:
    """A burst of writes queues a fan-out each; the one running does the work of all those
    queued before its read of the subscriptions, so they are dropped, unrun. Any queued row
    seen here belongs to a committed write, which that read (a later statement) sees."""
    with transaction.atomic():
        queued = (
            DBTaskResult.objects.ready()
            .filter(task_path=fan_out.module_path)
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)
        )
        DBTaskResult.objects.filter(id__in=list(queued)).delete()


def _queued_deliveries() -> set[int]:
    """The subscriptions with a delivery task queued and not yet taken by a worker."""
    queued = DBTaskResult.objects.ready().filter(task_path=deliver.module_path)
    return set(queued.values_list("args_kwargs__args__0", flat=True))


def announce(**kwargs: Any) -> None:
    """`services.changes.change_recorded`'s receiver: wake a worker up, in the write's own
    transaction, so that the wake-up exists if and only if the write commits.

    A fan-out still queued does for this write too, provided no worker starts it before this
    write commits: its row is locked FOR SHARE until then, and workers take rows FOR UPDATE
    SKIP LOCKED, so they pass it by meanwhile. Only when none is queued is one enqueued: a burst
    of writes queues one fan-out, not one each."""
    using = raw.writing(DBTaskResult)
    if raw.fetch_one(using, *_a_queued_fan_out(using)) is None:
        fan_out.enqueue()


@functools.cache
def _a_queued_fan_out(using: str) -> tuple[str, tuple[Any, ...]]:
    """Any queued fan-out, locked FOR SHARE: compiled once, as nothing in it changes. Unordered,
    so the first found is taken with no sort of every queued task. (A fan-out is never enqueued
    to run later, so `run_after`, which DBTaskResult.objects.ready() also checks, is not.)"""
    queued = DBTaskResult.objects.using(using).filter(
        status=TaskResultStatus.READY, task_path=fan_out.module_path, backend_name=fan_out.backend
    )
    return raw.first_shared(queued.order_by().values_list("id", flat=True))
