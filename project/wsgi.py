import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_wsgi_application()

# Import the URL conf and all it pulls in (views, DRF, the schema) now rather than at the first
# request, then move every object so far out of the garbage collector's sight: they live as long
# as the process, and each full collection would otherwise walk all of them (bench/: a 23 ms pause
# every few hundred requests, 1.5 ms once frozen).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
gc.freeze()
