"""Forms of billing; choices are always the organisation's own rows, so a foreign id is invalid."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .models import BillingProfile, PaymentMethod


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


class BillingProfileForm(forms.ModelForm):
    """The profile's fields; the model's clean() checks the country's postal code and tax ID formats.

    Bound to the organisation's profile (a new one while it has none); ``save_profile`` saves it
    through the service, the one place that writes a profile, so Billing > Billing profile and the
    wizard's step behave alike.
    """

    class Meta:
        model = BillingProfile
        fields = [
            "legal_name",
            "street",
            "city",
            "postal_code",
            "country",
            "tax_id",
            "currency",
            "purchase_order",
            "billing_contact_email",
            "billing_contact_language",
        ]

    def __init__(self, data=None, *, organization, **kwargs):
        instance = selectors.billing_profile(organization=organization) or BillingProfile(organization=organization)
        super().__init__(data, instance=instance, **kwargs)
        self.organization = organization
        # Only asked when there is a contact to write to; the portal's default language otherwise.
        self.fields["billing_contact_language"].required = False
        # R19: chosen before the first purchase (USD unless chosen), shown but fixed after it.
        currencies = list(dict.fromkeys([*settings.BILLING_CURRENCIES, instance.currency]))
        currency = forms.ChoiceField(
            label=_("Billing currency"),
            choices=[(code, code) for code in currencies],
            required=False,
            initial=instance.currency,
            help_text=self.fields["currency"].help_text,
        )
        if instance.pk is not None and selectors.billing_currency_fixed(organization_id=organization.pk):
            currency.disabled = True
            currency.help_text = _(
                "Fixed since your first purchase. Partner Center Support can change it while no subscription is live."
            )
        self.fields["currency"] = currency

    def clean_currency(self):
        return self.cleaned_data.get("currency") or self.instance.currency

    def clean_billing_contact_language(self):
        return self.cleaned_data.get("billing_contact_language") or settings.LANGUAGE_CODE

    def save_profile(self, *, actor):
        """The saved profile, or None with the errors next to their fields."""
        if not self.is_valid():
            return None
        try:
            return services.billing_profile_save(organization=self.organization, actor=actor, **self.cleaned_data)
        except ValidationError as exc:
            self.add_error(None, exc)
            return None
