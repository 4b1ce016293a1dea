"""Forms of the benefits page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from membership.models import User


class SeatAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(organization=organization, is_active=True).order_by("email")
