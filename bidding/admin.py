"""Django admin for station staff: suppliers, the supplier and expert pools, declared
conflicts. New pool entries and conflicts go through the services (pool numbers S-0001,
E-0001... are given there); a form shows a refused input as a form error, never a 500.
Every change to a supplier, its representatives or its standing in a supplier pool (added,
switched on or off, with a reason) is ledgered (`company.changed`), and a
supplier's credit code and name cannot change while it has a sealed offer not yet opened.
Draws are not here: their inputs and results are secret until revealed, and they change
only through bidding.services.draws."""

from django import forms
from django.contrib import admin
from django.db import transaction as db_transaction
from django.utils.translation import gettext_lazy as _

from trading.errors import InvalidInput, RuleViolation

from .models import Company, Conflict, ExpertPoolEntry, SupplierPoolEntry
from .models.companies import Representation
from .services import companies as services


def _as_form_errors(form, exc):
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["uscc", "name", "contact_name", "contact_phone", "contact_email", "address",
                  "legal_representative", "controlled_by"]

    def clean(self):
        data = super().clean()
        names = ["uscc", "name", "contact_name", "contact_phone", "contact_email", "address"]
        if any(name in self.errors for name in names):
            return data
        try:
            cleaned = services.company_fields_clean(**{name: data.get(name, "") for name in names})
            cleaned["legal_representative"] = services.clean_legal_representative(
                data.get("legal_representative", ""))
            cleaned["controlled_by"] = services.clean_controller(self.instance, data.get("controlled_by"))
            services.company_identity_check(company=self.instance, changed=self.changed_data)
        except (InvalidInput, RuleViolation) as exc:
            _as_form_errors(self, exc)
            return data
        data.update(cleaned)
        return data


class RepresentationInline(admin.TabularInline):
    """Who acts for the company, since when; a new representative sees and acts on the
    company's offers made from then on only. Every change is ledgered."""

    model = Representation
    extra = 0
    fields = ["user", "since"]
    readonly_fields = ["since"]
    autocomplete_fields = ["user"]


class SupplierPoolInline(admin.TabularInline):
    """The company's pool entries; added and switched on or off on the pool's own page (or
    the clerk's), with a reason, ledgered."""

    model = SupplierPoolEntry
    extra = 0
    fields = ["station", "number", "categories", "active"]
    readonly_fields = ["station", "number", "active"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # through the supplier pool's own page, which numbers the entry


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = CompanyForm
    list_display = ["name", "uscc", "contact_name", "contact_phone", "registered_at"]
    search_fields = ["name", "uscc", "contact_name"]
    autocomplete_fields = ["controlled_by"]
    inlines = [RepresentationInline, SupplierPoolInline]

    def save_model(self, request, obj, form, change):
        with db_transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                services.company_changed(company=obj, changed=form.changed_data, by=request.user)
            else:
                services.company_changed(company=obj, changed=["registered"], by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Representation:
            return super().save_formset(request, form, formset, change)
        with db_transaction.atomic():
            formset.save(commit=False)  # what changed: new_objects, changed_objects, deleted_objects
            company = form.instance
            for link in formset.deleted_objects:
                services.representative_remove(company=company, user=link.user, by=request.user)
            for link, _fields in formset.changed_objects:  # another user in the same row
                old = Representation.objects.get(pk=link.pk)
                services.representative_remove(company=company, user=old.user, by=request.user)
                services.representative_add(company=company, user=link.user, by=request.user)
            for link in formset.new_objects:
                services.representative_add(company=company, user=link.user, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # offers and the ledger name it


class SupplierPoolForm(forms.ModelForm):
    reason = forms.CharField(label=_("reason (published in the ledger)"), required=False, max_length=500,
                             help_text=_("Required to add a supplier or to switch it on or off."))

    class Meta:
        model = SupplierPoolEntry
        fields = ["station", "company", "categories", "active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("station") and data.get("company"):
            try:
                services.supplier_pool_check(station=data["station"], company=data["company"])
            except InvalidInput as exc:
                _as_form_errors(self, exc)
        if (self.instance.pk is None or "active" in self.changed_data) and not (data.get("reason") or "").strip():
            self.add_error("reason", _("give the reason: it is published with the change in the ledger"))
        return data


@admin.register(SupplierPoolEntry)
class SupplierPoolEntryAdmin(admin.ModelAdmin):
    form = SupplierPoolForm
    list_display = ["number", "company", "station", "categories", "active"]
    list_filter = ["station", "active"]
    search_fields = ["number", "company__name", "company__uscc"]
    autocomplete_fields = ["company"]

    def get_readonly_fields(self, request, obj=None):
        # The number is given once; station and company name what the number means.
        return ["number", "station", "company", "added_at"] if obj else ["number"]

    def save_model(self, request, obj, form, change):
        """Through the services: an entry added or switched on or off is ledgered with the reason."""
        reason = form.cleaned_data.get("reason", "")
        with db_transaction.atomic():
            if change:
                if "active" in form.changed_data:
                    services.supplier_pool_switch(entry=obj, active=obj.active, user=request.user, reason=reason,
                                                  by_admin=True)
                SupplierPoolEntry.objects.filter(pk=obj.pk).update(categories=obj.categories)
                return
            entry = services.supplier_pool_enter(station=obj.station, company=obj.company, categories=obj.categories,
                                                 user=request.user, reason=reason, by_admin=True)
            if not obj.active:
                entry = services.supplier_pool_switch(entry=entry, active=False, user=request.user, reason=reason,
                                                      by_admin=True)
        obj.pk, obj.number, obj.added_at, obj.active = entry.pk, entry.number, entry.added_at, entry.active

    def has_delete_permission(self, request, obj=None):
        return False  # a number stays with its holder (draws name it); switch it off instead


class ConflictInline(admin.TabularInline):
    model = Conflict
    extra = 0
    fields = ["unit", "company", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # declared on the conflicts page (through the service)


class ExpertPoolForm(forms.ModelForm):
    class Meta:
        model = ExpertPoolEntry
        fields = ["station", "user", "specialty", "employer", "active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("station") and data.get("user"):
            try:
                services.expert_pool_check(station=data["station"], user=data["user"])
            except InvalidInput as exc:
                _as_form_errors(self, exc)
        return data


@admin.register(ExpertPoolEntry)
class ExpertPoolEntryAdmin(admin.ModelAdmin):
    form = ExpertPoolForm
    list_display = ["number", "user", "station", "specialty", "employer", "active"]
    list_filter = ["station", "active"]
    search_fields = ["number", "user__full_name", "user__username", "employer"]
    autocomplete_fields = ["user"]
    inlines = [ConflictInline]

    def get_readonly_fields(self, request, obj=None):
        return ["number", "station", "user", "added_at"] if obj else ["number"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        entry = services.expert_pool_add(station=obj.station, user=obj.user, specialty=obj.specialty,
                                         employer=obj.employer)
        if not obj.active:
            ExpertPoolEntry.objects.filter(pk=entry.pk).update(active=False)
        obj.pk, obj.number, obj.added_at = entry.pk, entry.number, entry.added_at

    def has_delete_permission(self, request, obj=None):
        return False


class ConflictForm(forms.ModelForm):
    class Meta:
        model = Conflict
        fields = ["expert", "unit", "company", "reason"]

    def clean(self):
        data = super().clean()
        if data.get("expert"):
            try:
                services.conflict_check(expert_entry=data["expert"], unit=data.get("unit"),
                                        company=data.get("company"))
            except InvalidInput as exc:
                _as_form_errors(self, exc)
        return data


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    form = ConflictForm
    list_display = ["expert", "unit", "company", "reason"]
    list_filter = ["expert__station"]
    search_fields = ["expert__number", "expert__user__full_name", "reason"]
    autocomplete_fields = ["expert", "unit", "company"]

    def get_readonly_fields(self, request, obj=None):
        return ["expert", "unit", "company", "reason"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        conflict = services.conflict_declare(expert_entry=obj.expert, unit=obj.unit, company=obj.company,
                                             reason=obj.reason)
        obj.pk = conflict.pk

