from django.urls import path

from claims.api.views.articles import ArticleDetailView, ArticleListView
from claims.api.views.claims import ClaimDetailView, ClaimEvidenceView, ClaimHistoryView, ClaimListView
from claims.api.views.index import ApiIndexView

urlpatterns = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("articles/", ArticleListView.as_view(), name="article-list"),
    path("articles/<int:article_id>/", ArticleDetailView.as_view(), name="article-detail"),
    path("claims/", ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:claim_id>/", ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:claim_id>/history/", ClaimHistoryView.as_view(), name="claim-history"),
    path("claims/<int:claim_id>/evidence/", ClaimEvidenceView.as_view(), name="claim-evidence"),
]
