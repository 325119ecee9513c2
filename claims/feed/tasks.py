"""The feed's tasks, run by `python manage.py worker` through Django's task API.

The task rows only wake workers up. What must be delivered is known from the feed itself and
each subscription's cursor, so a task lost with a worker killed mid-way loses nothing: the
worker's sweep (`claims.feed.worker`) enqueues a delivery for every subscription still behind."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from claims.feed.delivery import deliver_subscription
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
    """Enqueue a delivery for every subscription that has changes to receive."""
    due = subscriptions_due()
    for subscription_id in due:
        deliver.enqueue(subscription_id)
    return len(due)


def announce(**kwargs: Any) -> None:
    """`services.changes.change_recorded`'s receiver: wake a worker up, in the write's own
    transaction, so that the task exists if and only if the write commits."""
    fan_out.enqueue()
