"""Forms of billing; choices are always the organisation's own rows, so a foreign id is invalid."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentMethod


class PaymentMethodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "%s ••%s (%02d/%d)" % (obj.brand.title(), obj.last4, obj.exp_month, obj.exp_year)


class ChoosePaymentMethodForm(forms.Form):
    payment_method = PaymentMethodChoiceField(
        label=_("Pay with"), queryset=None, widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, payment_methods, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [method.pk for method in payment_methods]
        field = self.fields["payment_method"]
        field.queryset = PaymentMethod.objects.filter(pk__in=ids).order_by("-is_default", "-created_at", "-id")


class NewCardForm(forms.Form):
    """The PaymentMethod id stripe.js returned; the server checks it belongs to the organisation."""

    payment_method_id = forms.RegexField(regex=r"^pm_[A-Za-z0-9_]{1,60}$", widget=forms.HiddenInput)
