"""The inquiry's pages: its forms on a transaction's page, the comparison table."""

from django.urls import path

from . import views

urlpatterns = [
    path("work/transactions/<str:code>/inquiry/draw/", views.draw_announce, name="inquiry-draw"),
    path("work/transactions/<str:code>/inquiry/group/", views.form_group, name="inquiry-group"),
    path("work/transactions/<str:code>/inquiry/notice/", views.issue_notice, name="inquiry-notice"),
    path("work/transactions/<str:code>/inquiry/assess/", views.assess, name="inquiry-assess"),
    path("work/transactions/<str:code>/inquiry/sign/", views.sign_report, name="inquiry-sign"),
    path("work/transactions/<str:code>/inquiry/challenge/", views.challenge, name="inquiry-challenge"),
    path("work/transactions/<str:code>/inquiry/answer/", views.answer_challenge, name="inquiry-answer"),
    path("work/transactions/<str:code>/inquiry/contract/", views.record_contract, name="inquiry-contract"),
    path("work/transactions/<str:code>/inquiry/acceptance/", views.record_acceptance, name="inquiry-acceptance"),
    path("work/transactions/<str:code>/inquiry/comparison/", views.comparison, name="inquiry-comparison"),
]
