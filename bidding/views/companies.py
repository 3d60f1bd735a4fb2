"""Pages of the bidding domain: a bidder registers its company and sees its companies.

Forms POST to services (no JavaScript needed); a refused registration answers 303 to the
form, which shows the error at the top and on the field that caused it (a precise USCC
error) with what was typed (trading/views/prg.py). Pools and conflicts are managed by station staff in the admin (bidding/admin.py).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trading.errors import DomainError, InvalidInput
from trading.text import clean_id
from trading.views import prg

from .. import selectors
from ..services.companies import company_register, company_relations_set


class CompanyForm(forms.Form):
    """Fields only: the service checks and normalises them (bidding/services/companies.py)."""

    uscc = forms.CharField(
        label=gettext_lazy("unified social credit code"), strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("18 characters, as on the business licence (营业执照), e.g. 91350100M000100Y43"),
    )
    name = forms.CharField(label=gettext_lazy("company name"), strip=False)
    contact_name = forms.CharField(label=gettext_lazy("contact person"), strip=False)
    contact_phone = forms.CharField(label=gettext_lazy("contact phone"), strip=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel"}))
    contact_email = forms.CharField(label=gettext_lazy("contact e-mail"), required=False, strip=False,
                                    widget=forms.TextInput(attrs={"inputmode": "email"}))
    address = forms.CharField(label=gettext_lazy("address"), required=False, strip=False)


def _refuse_non_bidder(request):
    messages.error(request, _("Only a user with the bidder role can register a company; "
                              "ask the station to give you the role."))
    return redirect("work")


@login_required
def company_register_view(request):
    if not selectors.is_bidder(request.user):
        return _refuse_non_bidder(request)
    if request.method != "POST":
        form = CompanyForm()
        prg.refill(request, "company", form)
        return render(request, "bidder/company_form.html", {"form": form})
    form = CompanyForm(request.POST)
    try:
        if not form.is_valid():
            return prg.refuse(request, form.errors, to=request.path, form="company", anchor="company-form")
        company = company_register(user=request.user, **form.cleaned_data)
    except DomainError as exc:
        return prg.refuse(request, exc, to=request.path, form="company", anchor="company-form")
    messages.success(request, _("%(name)s is registered (%(uscc)s). The station puts it in its supplier "
                                "pool on request.") % {"name": company.name, "uscc": company.uscc})
    return redirect("company-mine")


@login_required
def company_mine_view(request):
    return render(request, "bidder/company_list.html", {
        "companies": selectors.companies_of(request.user),
        "can_register": selectors.is_bidder(request.user),
    })


@login_required
@require_POST
def company_relations_view(request):
    """A representative records its company's legal representative and controlling company
    (the company is a form field, as on every bidder page)."""
    companies = selectors.companies_of(request.user)
    try:
        company = companies.filter(pk=clean_id(request.POST.get("company"), field=_("company"))).first()
        if company is None:
            raise InvalidInput(_("choose a company you represent"), field="company")
        company_relations_set(company=company, user=request.user,
                              legal_representative=request.POST.get("legal_representative", ""),
                              controlled_by=request.POST.get("controlled_by", "").strip())
    except DomainError as exc:
        # One form per company on the page: the refusal goes back to that company's form.
        posted = request.POST.get("company") or ""
        number = posted if posted.isdigit() and len(posted) < 12 else ""
        fields = {name: prg.Field(f"id_{name}_{number}", name) for name in ("legal_representative", "controlled_by")}
        return prg.refuse(request, exc, to=reverse("company-mine"), form=f"relations_{number}", fields=fields)
    messages.success(request, _("Saved. Related companies (the same legal representative, or one controlling "
                                "the other) cannot both bid in a round of an open tender."))
    return redirect("company-mine")


urlpatterns = [
    path("companies/mine/relations/", company_relations_view, name="company-relations"),
    path("companies/register/", company_register_view, name="company-register"),
    path("companies/mine/", company_mine_view, name="company-mine"),
]
