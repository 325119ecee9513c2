"""The feed's URLs, under /api/v1/ beside the API's (whose `id` converter they use)."""

from django.urls import path

from claims.feed.views import ChangeListView, WebhookDeliveryListView, WebhookDetailView, WebhookListView

urlpatterns = [
    path("changes/", ChangeListView.as_view(), name="change-list"),
    path("webhooks/", WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<id:webhook_id>/", WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<id:webhook_id>/deliveries/", WebhookDeliveryListView.as_view(), name="webhook-deliveries"
    ),
]
