from django.urls import path, register_converter

from claims.api.views.annotations import ClaimAnnotationView
from claims.api.views.articles import ArticleDetailView, ArticleListView
from claims.api.views.claimreview import ArticleClaimReviewView, ClaimReviewView
from claims.api.views.claims import ClaimDetailView, ClaimEvidenceView, ClaimHistoryView, ClaimListView
from claims.api.views.index import ApiIndexView
from claims.api.views.reviews import ReviewDetailView, ReviewImportView, ReviewListView
from claims.api.views.revisions import RevisionDetailView, RevisionListView
from claims.platform.converters import IdConverter

register_converter(IdConverter, "id")

urlpatterns = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("articles/", ArticleListView.as_view(), name="article-list"),
    path("articles/<id:article_id>/", ArticleDetailView.as_view(), name="article-detail"),
    path("articles/<id:article_id>/revisions/", RevisionListView.as_view(), name="article-revisions"),
    path(
        "articles/<id:article_id>/revisions/<id:number>/",
        RevisionDetailView.as_view(),
        name="article-revision",
    ),
    path(
        "articles/<id:article_id>/claimreview/",
        ArticleClaimReviewView.as_view(),
        name="article-claimreview",
    ),
    path("claims/", ClaimListView.as_view(), name="claim-list"),
    path("claims/<id:claim_id>/", ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<id:claim_id>/history/", ClaimHistoryView.as_view(), name="claim-history"),
    path("claims/<id:claim_id>/evidence/", ClaimEvidenceView.as_view(), name="claim-evidence"),
    path("claims/<id:claim_id>/annotation/", ClaimAnnotationView.as_view(), name="claim-annotation"),
    path("claims/<id:claim_id>/claimreview/", ClaimReviewView.as_view(), name="claim-claimreview"),
    path("reviews/", ReviewListView.as_view(), name="review-list"),
    path("reviews/import/", ReviewImportView.as_view(), name="review-import"),
    path("reviews/<id:review_id>/", ReviewDetailView.as_view(), name="review-detail"),
]
