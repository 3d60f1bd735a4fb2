"""Django admin for reference data: stations, owning units, users and their roles.

Transactions and documents are shown read-only: they change only through the services,
which keep the ledger."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Document, Membership, Station, Transaction, Unit, User


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county"]
    search_fields = ["code", "name"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "station"]
    list_filter = ["station"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["station", "unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Platform"), {"fields": ["full_name"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Platform"), {"fields": ["full_name"]}),)
    list_display = ["username", "full_name", "is_staff", "is_active"]
    search_fields = ["username", "full_name"]
    inlines = [MembershipInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["name", "purpose", "sha256", "size", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "type", "station", "unit", "amount", "stage"]
    list_filter = ["type", "stage", "station"]
    search_fields = ["code", "title"]
    inlines = [DocumentInline]
