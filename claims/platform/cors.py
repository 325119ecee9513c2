"""CORS for the public, token-free endpoints when CORS_ALLOWED_ORIGINS has `*`.

django-cors-headers allows the listed origins everywhere its URL pattern covers. `*` is not
passed to it as an origin: the token-holders' API needs its origins named, and only the public
endpoints (which serve nothing a token could see more of) are opened to every origin.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

PUBLIC_PATHS = re.compile(r"^/(v1alpha1/|articles/|claims/|api/schema/|api/docs/|api/v1/?$)")


def public_paths_for_any_origin(sender: Any, request: Any, **kwargs: Any) -> bool:
    """`check_request_enabled` receiver: any origin may read a public endpoint when `*` is set."""
    return bool(settings.CORS_PUBLIC_ANY_ORIGIN and PUBLIC_PATHS.match(request.path_info))
