"""HTML forms: fields and widgets only. The rules live in the services, which report
what is wrong; the forms just carry what the user typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentPurpose, TransactionType


class TransactionForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("owning unit"), empty_label=None)
    type = forms.ChoiceField(choices=TransactionType.choices, label=_("procedure"))
    title = forms.CharField(label=_("title"), max_length=200)
    amount = forms.CharField(
        label=_("budget or appraised value (yuan)"), max_length=20,
        help_text=_("Budget for purchases and tenders, appraised value for asset sales; e.g. 128000.00"),
    )
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, units, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            # Unit and procedure are fixed once the file is open (its code and first
            # ledger entry name them).
            self.fields["unit"].disabled = True
            self.fields["type"].disabled = True


class DocumentForm(forms.Form):
    purpose = forms.ChoiceField(choices=[c for c in DocumentPurpose.choices if c[0] != DocumentPurpose.CHALLENGE],
                                label=_("purpose"))
    file = forms.FileField(label=_("file"))
