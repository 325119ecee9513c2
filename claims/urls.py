from django.urls import path

from claims import views

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    path("articles/<int:article_id>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:claim_id>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:claim_id>/history/", views.ClaimHistoryView.as_view(), name="claim-history"),
    path("claims/<int:claim_id>/evidence/", views.ClaimEvidenceView.as_view(), name="claim-evidence"),
]
