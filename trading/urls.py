from django.urls import path

from .views import accounts, inquiry, public, work

urlpatterns = [
    path("", public.home, name="home"),
    path("audit/", public.audit_trail, name="audit"),
    path("audit/entries/<int:seq>/", public.audit_entry, name="audit-entry"),
    path("audit/transactions/<str:code>/", public.audit_transaction, name="audit-transaction"),
    path("audit/checkpoints/", public.audit_checkpoints, name="audit-checkpoints"),
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("work/", work.home, name="work"),
    path("work/transactions/new/", work.transaction_new, name="transaction-new"),
    path("work/transactions/<str:code>/", work.transaction_detail, name="transaction-detail"),
    path("work/transactions/<str:code>/edit/", work.transaction_edit, name="transaction-edit"),
    path("work/transactions/<str:code>/documents/", work.document_upload, name="document-upload"),
    path("work/transactions/<str:code>/documents/<int:pk>/", work.document_download, name="document-download"),
    path("work/transactions/<str:code>/act/<str:action>/", work.transaction_act, name="transaction-act"),
    # the inquiry procedure's forms (trading/views/inquiry.py)
    path("work/transactions/<str:code>/inquiry/draw/", inquiry.draw_announce, name="inquiry-draw"),
    path("work/transactions/<str:code>/inquiry/group/", inquiry.form_group, name="inquiry-group"),
    path("work/transactions/<str:code>/inquiry/notice/", inquiry.issue_notice, name="inquiry-notice"),
    path("work/transactions/<str:code>/inquiry/assess/", inquiry.assess, name="inquiry-assess"),
    path("work/transactions/<str:code>/inquiry/sign/", inquiry.sign_report, name="inquiry-sign"),
    path("work/transactions/<str:code>/inquiry/challenge/", inquiry.challenge, name="inquiry-challenge"),
    path("work/transactions/<str:code>/inquiry/answer/", inquiry.answer_challenge, name="inquiry-answer"),
    path("work/transactions/<str:code>/inquiry/contract/", inquiry.record_contract, name="inquiry-contract"),
    path("work/transactions/<str:code>/inquiry/acceptance/", inquiry.record_acceptance, name="inquiry-acceptance"),
    path("work/transactions/<str:code>/inquiry/comparison/", inquiry.comparison, name="inquiry-comparison"),
    path("notices/", inquiry.notices, name="notices"),
    path("notices/<int:pk>/", inquiry.notice_detail, name="notice-detail"),
]
