"""The change feed's HTTP endpoints and its webhooks: subscriptions, signed deliveries, and the
tasks a worker runs to deliver them (docs/FEED.md)."""
