"""The REST API: the core's endpoints, bidding's, each procedure's (from the registry), the
OpenAPI schema and its browsable documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from trading import registry

from . import companies, notices, sealed, views

urlpatterns = [
    path("v1/auth/token/", views.TokenView.as_view(), name="api-token"),
    path("v1/auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("v1/me/", views.MeView.as_view(), name="api-me"),
    path("v1/stations/", views.StationListView.as_view(), name="api-stations"),
    path("v1/transactions/", views.TransactionListView.as_view(), name="api-transactions"),
    path("v1/transactions/<str:code>/", views.TransactionDetailView.as_view(), name="api-transaction"),
    path("v1/transactions/<str:code>/documents/", views.DocumentListView.as_view(), name="api-documents"),
    path("v1/transactions/<str:code>/actions/<slug:action>/", views.TransitionView.as_view(),
         name="api-transition"),
    *[path("v1/", include(urls)) for urls in (companies, sealed, notices)],
    *[path("v1/", include(p.api_urls)) for p in registry.procedures() if p.api_urls],
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
