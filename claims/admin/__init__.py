"""The editors' desk: articles with their claims, claims with their history, in the Django admin.

Every write goes through `claims.services`, exactly as the API's do: no admin here saves or
deletes an article or a claim itself, nor creates or revokes a token, so the transition rules,
the version, the history and the concurrency check hold in the admin too. A write the service
refuses (a form opened before someone else's change, a transition the workflow forbids) shows
the form again with the service's reason on it, and nothing of it is saved.

Editors are staff users in the `editor` group (`services.token_create` makes them so); the
migration `0003_role_groups` gives that group the model permissions used here.
"""

from django.contrib import admin

from claims.admin import articles, claims, tokens  # noqa: F401 -- registers the ModelAdmins

admin.site.site_header = "Claim tracker: the editors' desk"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Articles, claims and their history"
# Django's home page, with the editors' queue of claims left unsettled by corrections on top.
admin.site.index_template = "admin/claims/desk_index.html"
# "View site" leads to the public reader pages: the list of columns. Each article's page in the
# desk has a "View on site" link to its own reader page (`get_view_on_site_url`).
admin.site.site_url = "/"
# Django's sidebar of models took a fifth of a 1366-pixel screen from every list and form; the
# desk has four models, reached from the breadcrumbs and the home page.
admin.site.enable_nav_sidebar = False
