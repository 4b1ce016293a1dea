"""Forms of the subscription details actions."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TurnOffAutoRenewalForm(forms.Form):
    """The explicit confirmation that auto-renewal stays off until the next renewal (R7)."""

    confirm = forms.BooleanField(
        required=True,
        initial=True,
        widget=forms.HiddenInput,
        error_messages={"required": _("Confirm that you want to turn off automatic renewal.")},
    )
