"""The ledger in the admin: read-only (the database refuses changes anyway)."""

from django.contrib import admin

from .models import Checkpoint, Entry


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ["seq", "ts", "kind", "subject"]
    list_filter = ["kind"]
    search_fields = ["subject"]
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnly):
    list_display = ["size", "signed_at"]
