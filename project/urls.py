from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims import views

urlpatterns = [
    path("api/v1/", include("claims.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

# Errors outside the API views answer with problem details too.
handler400 = "claims.problems.handler400"
handler403 = "claims.problems.handler403"
handler404 = "claims.problems.handler404"
handler500 = "claims.problems.handler500"
