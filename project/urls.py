from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims.interop.search import ClaimSearchView
from claims.platform.health import healthz, readyz
from claims.platform.negotiation import FormatParameterNegotiation

# The public documents may be kept by shared caches for a few minutes.
public = cache_control(public=True, max_age=300)

urlpatterns = [
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/", include("claims.feed.urls")),
    # Google's Fact Check Tools API path, so Google's clients reach it with only a new base URL.
    path("v1alpha1/claims:search", ClaimSearchView.as_view(), name="claims-search"),
    path(
        "api/schema/",
        public(SpectacularAPIView.as_view(content_negotiation_class=FormatParameterNegotiation)),
        name="schema",
    ),
    path("api/docs/", public(SpectacularSwaggerView.as_view(url_name="schema")), name="docs"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # The public reader pages: `/`, `/articles/{id}/`, `/claims/{id}/`.
    path("", include("claims.reader.urls")),
]

# Errors outside the API views answer with problem details too.
handler400 = "claims.platform.problems.handler400"
handler403 = "claims.platform.problems.handler403"
handler404 = "claims.platform.problems.handler404"
handler500 = "claims.platform.problems.handler500"
