"""Django admin for reference data: stations, owning units, users and their roles.

Transactions and documents are shown read-only: they change only through the services,
which keep the ledger."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction as db_transaction
from django.utils.translation import gettext_lazy as _

from .models import Document, Membership, Station, Transaction, Unit, User
from .services import people


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

    # Every change of a role or of the account's standing (active, staff, superuser, admin
    # permissions, a password the administrator sets) is ledgered (account.changed). An
    # account is switched off, never deleted: deleting it would take its roles untraced.

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = User.objects.filter(pk=obj.pk).values("is_active", "is_staff", "is_superuser").first() or {}
        with db_transaction.atomic():
            super().save_model(request, obj, form, change)
            people.account_flags_record(user=obj, before=before, by=request.user)

    def save_related(self, request, form, formsets, change):
        before = people.account_permissions(form.instance) if change else set()
        with db_transaction.atomic():
            super().save_related(request, form, formsets, change)
            people.account_permissions_record(user=form.instance, before=before, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        with db_transaction.atomic():
            before = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=before.pk).first() if before is not None else None
            if user is not None and user.password != before.password:
                people.account_changed(user=user, by=request.user, change="password_set")
        return response

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        with db_transaction.atomic():
            formset.save(commit=False)  # what changed: new_objects, changed_objects, deleted_objects
            for membership in formset.deleted_objects:
                people.membership_remove(membership=membership, by=request.user)
            for membership, _fields in formset.changed_objects:
                people.membership_record(membership=Membership.objects.get(pk=membership.pk), by=request.user,
                                         removed=True)
                membership.save()
                people.membership_record(membership=membership, by=request.user)
            for membership in formset.new_objects:
                membership.user = form.instance
                membership.save()
                people.membership_record(membership=membership, by=request.user)


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


# --- Rule sets and the holiday calendar (docs/rules.md) ------------------------------------
# A published rule set is never edited: "add" publishes (a new code, or the next version of
# an existing one) through trading.rulesets.publish, and the action below opens that form
# filled with a chosen rule set. An adoption is added through rulesets.adopt (ledgered).
# Calendar years are edited freely: the working-day functions read the table.

import json  # noqa: E402

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.urls import reverse  # noqa: E402

from . import rulesets, workdays  # noqa: E402
from .errors import DomainError  # noqa: E402
from .models import CalendarDay, CalendarYear, DayKind, RuleSet, RuleSetAdoption  # noqa: E402
from .models.rules import PROVISIONAL_LABEL  # noqa: E402


def _copy_fields(target, source_obj):
    """The admin keeps the instance it built from the form: give it the saved row's state."""
    for field in type(source_obj)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source_obj, field.attname))
    target._state.adding = False


class RuleSetPublishForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["procedure", "code", "title", "params", "sources"]
        help_texts = {
            "code": _("Same code as an existing rule set: its next version. A new code: version 1."),
            "params": _("Every parameter of the procedure: whole numbers, fractions written \"a/b\"."),
            "sources": _("Where each parameter comes from, shown with every refusal."),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data.update(rulesets.check_publication(
                procedure=data.get("procedure"), code=data.get("code"), title=data.get("title"),
                params=data.get("params"), sources=data.get("sources")))
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        return data


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "procedure", "title", "published_at", "digest"]
    list_filter = ["procedure"]
    search_fields = ["code", "title"]
    readonly_fields = ["procedure", "code", "version", "title", "params_shown", "sources_shown", "digest",
                       "published_at"]
    actions = ["publish_new_version"]
    form = RuleSetPublishForm

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else RuleSetPublishForm.Meta.fields

    @admin.display(description=_("parameters"))
    def params_shown(self, obj):
        return json.dumps(obj.params, ensure_ascii=False, indent=2)

    @admin.display(description=_("sources"))
    def sources_shown(self, obj):
        return json.dumps(obj.sources, ensure_ascii=False, indent=2)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        based_on_pk = request.GET.get("from", "")
        based_on = RuleSet.objects.filter(pk=based_on_pk).first() if based_on_pk.isdigit() else None
        if based_on is not None:
            initial.update(procedure=based_on.procedure, code=based_on.code, title=based_on.title,
                           params=based_on.params, sources=based_on.sources)
        elif request.GET.get("procedure") in rulesets.DEFAULTS:
            defaults = rulesets.DEFAULTS[request.GET["procedure"]]
            initial.update(params={n: v for n, (v, _s) in defaults.items()},
                           sources={n: s for n, (_v, s) in defaults.items()})
        return initial

    @admin.action(description=_("Publish a new version from this one"), permissions=["add"])
    def publish_new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one rule set to start the new version from."),
                              messages.WARNING)
            return None
        url = reverse("admin:trading_ruleset_add")
        return HttpResponseRedirect(f"{url}?from={queryset.get().pk}")

    def save_model(self, request, obj, form, change):
        published = rulesets.publish(procedure=obj.procedure, code=obj.code, title=obj.title,
                                     params=obj.params, sources=obj.sources)
        _copy_fields(obj, published)


class RuleSetAdoptionForm(forms.ModelForm):
    class Meta:
        model = RuleSetAdoption
        fields = ["station", "rule_set", "note"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            rulesets.check_adoption(station=data["station"], rule_set=data["rule_set"], user=self.user)
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        return data


@admin.register(RuleSetAdoption)
class RuleSetAdoptionAdmin(admin.ModelAdmin):
    list_display = ["station", "rule_set", "adopted_at", "adopted_by", "note"]
    list_filter = ["station", "rule_set__procedure"]
    readonly_fields = ["station", "rule_set", "adopted_at", "adopted_by", "note"]
    form = RuleSetAdoptionForm

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def save_model(self, request, obj, form, change):
        adoption = rulesets.adopt(station=obj.station, rule_set=obj.rule_set, user=request.user, note=obj.note)
        _copy_fields(obj, adoption)


class CalendarDayInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        year = self.instance.year
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("date"):
                continue
            day = data["date"]
            if year and day.year != year:
                form.add_error("date", _("%(date)s is not in %(year)d") % {"date": day, "year": year})
            elif data.get("kind") == DayKind.WORKDAY and day.weekday() < 5:
                form.add_error("kind", _("an adjusted working day (workday) is a Saturday or Sunday"))


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayInlineFormSet
    extra = 3
    fields = ["date", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "source", "day_count", "entered_by", "entered_at"]
    list_filter = ["provisional"]
    fields = ["year", "source", "provisional", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    inlines = [CalendarDayInline]

    @admin.display(description=_("status"), ordering="provisional")
    def status(self, obj):
        return PROVISIONAL_LABEL if obj.provisional else _("official")

    @admin.display(description=_("days"))
    def day_count(self, obj):
        return obj.days.count()

    def _warn_provisional(self, request, years):
        # The demo's stand-ins are marked on every calendar page, with what replaces them.
        if years:
            messages.warning(request, _(
                "%(years)s: provisional calendar (%(label)s), entered by the demo. Enter the official year "
                "before any real use: its holidays and adjusted working days, the notice as source, and "
                "untick “provisional”; or run %(command)s.") % {
                    "years": ", ".join(map(str, years)), "label": PROVISIONAL_LABEL,
                    "command": workdays.import_command(years[0])})

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            self._warn_provisional(request, list(
                CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)))
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if obj is not None and obj.provisional:
            self._warn_provisional(request, [obj.year])
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)
