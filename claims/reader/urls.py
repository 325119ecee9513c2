from django.urls import path, register_converter
from django.urls.converters import get_converters

from claims.platform.converters import IdConverter
from claims.reader import views

# The API's URLs register it too; whichever module is imported first does.
if "id" not in get_converters():
    register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.column_index, name="reader-index"),
    path("articles/<id:article_id>/", views.article_page, name="reader-article"),
    path("claims/<id:claim_id>/", views.claim_page, name="reader-claim"),
]
