"""The tender's pages: its forms on a transaction's page (views.py), the bidder's bid
page, receipts and objections (views_bidder.py), the scoring table and the documents."""

from django.urls import path

from . import views, views_bidder

W = "work/transactions/<str:code>/tender/"

urlpatterns = [
    path(f"{W}notice/", views.issue_notice, name="tender-notice"),
    path(f"{W}clarify/", views.clarify, name="tender-clarify"),
    path(f"{W}draw/", views.draw, name="tender-draw"),
    path(f"{W}committee/", views.form_committee, name="tender-committee"),
    path(f"{W}answer/", views.answer, name="tender-answer"),
    path(f"{W}security/", views.security, name="tender-security"),
    path(f"{W}object/", views_bidder.object_, name="tender-object"),
    path(f"{W}bid/", views_bidder.bid_page, name="tender-bid"),
    path(f"{W}receipt/", views_bidder.receipt, name="tender-receipt"),
    path(f"{W}assess/", views.assess, name="tender-assess"),
    path(f"{W}sign/", views.sign, name="tender-sign"),
    path(f"{W}scoring/", views.scoring, name="tender-scoring"),
    path(f"{W}technical/<int:pk>/", views.technical_document, name="tender-technical"),
    path(f"{W}pass-over/", views.pass_over, name="tender-pass-over"),
    path(f"{W}contract/", views.contract, name="tender-contract"),
    path(f"{W}report/", views.report, name="tender-report"),
    path(f"{W}acceptance/", views.acceptance, name="tender-acceptance"),
    path(f"{W}method/", views.change_method, name="tender-method"),
    path("tenders/<str:code>/documents/<int:pk>/", views.public_document, name="tender-document"),
]
