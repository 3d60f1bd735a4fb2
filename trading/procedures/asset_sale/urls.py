"""The asset sale's pages: its forms on a transaction's page, registration, the live
auction (page, event stream, state, bid) and the confirmation PDF."""

from django.urls import path

from . import views

P = "work/transactions/<str:code>/asset-sale/"

urlpatterns = [
    path(P + "appraisal/", views.appraisal, name="asset-sale-appraisal"),
    path(P + "disclosure/", views.disclosure, name="asset-sale-disclosure"),
    path(P + "register/", views.register, name="asset-sale-register"),
    path(P + "registration/", views.registration, name="asset-sale-registration"),
    path(P + "offers/", views.offers, name="asset-sale-offers"),
    path(P + "auction/", views.start_auction, name="asset-sale-auction"),
    path(P + "payment/", views.payment, name="asset-sale-payment"),
    path(P + "transfer/", views.transfer, name="asset-sale-transfer"),
    path("asset-sale/<str:code>/confirmation.pdf", views.confirmation, name="asset-sale-confirmation"),
    path("live/<str:code>/", views.live_page, name="asset-sale-live"),
    path("live/<str:code>/bid/", views.live_bid, name="asset-sale-live-bid"),
    path("live/<str:code>/state/", views.live_state, name="asset-sale-live-state"),
    path("live/<str:code>/events/", views.live_events, name="asset-sale-live-events"),
]
