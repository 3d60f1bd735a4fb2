from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("key", views.key, name="key"),
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("checkpoints", views.checkpoints, name="checkpoints"),
    path("entries", views.entries, name="entries"),
    path("proof/inclusion", views.inclusion_proof, name="inclusion-proof"),
    path("proof/consistency", views.consistency_proof, name="consistency-proof"),
]
