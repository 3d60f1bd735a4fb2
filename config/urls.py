"""URLs: public pages and the audit trail, the staff workspace and each procedure's pages,
the ledger's published endpoints (/ledger/*, LEDGER.md section 7), the REST API and the
admin."""

from django.contrib import admin
from django.urls import include, path

from trading import registry

urlpatterns = [
    path("", include("trading.urls")),
    # each procedure's pages (trading/procedures/<name>/urls.py, from the registry)
    *[path("", include(p.page_urls)) for p in registry.procedures() if p.page_urls],
    path("ledger/", include("ledger.urls")),
    path("bidding/", include("bidding.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "trading.views.public.bad_request"
handler403 = "trading.views.public.permission_denied"
handler404 = "trading.views.public.not_found"
handler500 = "trading.views.public.server_error"
