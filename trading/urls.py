from django.urls import path

from .views import accounts, inbox, public, work

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search_transactions, name="search"),
    path("audit/", public.audit_trail, name="audit"),
    path("audit/entries/<int:seq>/", public.audit_entry, name="audit-entry"),
    path("audit/transactions/<str:code>/", public.audit_transaction, name="audit-transaction"),
    path("audit/checkpoints/", public.audit_checkpoints, name="audit-checkpoints"),
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("work/", work.home, name="work"),
    path("work/inbox/", inbox.inbox_page, name="inbox"),
    path("work/inbox/read/", inbox.inbox_all_read, name="inbox-all-read"),
    path("work/inbox/<int:pk>/", inbox.message_page, name="message"),
    path("work/transactions/new/", work.transaction_new, name="transaction-new"),
    path("work/transactions/<str:code>/", work.transaction_detail, name="transaction-detail"),
    path("work/transactions/<str:code>/edit/", work.transaction_edit, name="transaction-edit"),
    path("work/transactions/<str:code>/documents/", work.document_upload, name="document-upload"),
    path("work/transactions/<str:code>/documents/<int:pk>/", work.document_download, name="document-download"),
    path("work/transactions/<str:code>/act/<str:action>/", work.transaction_act, name="transaction-act"),
    path("notices/", public.notices, name="notices"),
    path("notices/<int:pk>/", public.notice_detail, name="notice-detail"),
    path("t/<str:code>/documents/<int:pk>/", public.public_document, name="public-document"),
]
