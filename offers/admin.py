from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from billing.admin import ReadOnlyAdmin
from billing.models import BillingProfile
from partnerportal.effective import has_taken_effect

from . import admin_benefits  # noqa: F401  (registers the benefit models)
from .models import (
    LIVE_STATUSES,
    Offer,
    OfferBenefit,
    OfferPrice,
    OfferTerms,
    Order,
    Reminder,
    Subscription,
    TermsAcceptance,
)
from .selectors import TIMELINE_PER_PAGE, subscription_timeline
from .services import billing_currency_change


class OfferBenefitInline(admin.TabularInline):
    model = OfferBenefit
    extra = 0


class OfferTermsInline(admin.StackedInline):
    model = OfferTerms
    extra = 0


class OfferPriceForm(forms.ModelForm):
    """A price that has taken effect is shown, not edited: its fields are disabled, so a post cannot change it."""

    class Meta:
        model = OfferPrice
        fields = ["currency", "amount", "effective_from"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and has_taken_effect(self.instance.effective_from):
            for field in self.fields.values():
                field.disabled = True


class OfferPriceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None and has_taken_effect(form.instance.effective_from):
                raise ValidationError(
                    _("A price that has taken effect cannot be deleted: add a new one with a later date instead.")
                )


class OfferPriceInline(admin.TabularInline):
    """R19: a price per currency with the day it takes effect; prices of the past stay as they were."""

    model = OfferPrice
    form = OfferPriceForm
    formset = OfferPriceFormSet
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price_amount", "currency", "term_months", "is_active"]
    search_fields = ["name", "code"]
    inlines = [OfferPriceInline, OfferBenefitInline, OfferTermsInline]

    def get_readonly_fields(self, request, obj=None):
        # The opening price is the offer's price in its currency until a price row takes over
        # (offers.selectors.price_of): like every price of the past, it never changes once the offer exists.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "price_amount", "currency"]
        return super().get_readonly_fields(request, obj)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "offer", "status", "auto_renew", "current_period_end"]
    list_filter = ["status", "auto_renew", "offer"]
    list_select_related = ["organization", "offer"]
    search_fields = ["organization__name", "id"]
    # State changes go through offers.services only, never by editing the row.
    readonly_fields = [*(f.name for f in Subscription._meta.fields), "timeline"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        """The subscription's facts (R13), rendered as its details page renders them, in the staff member's language."""
        if obj is None or obj.pk is None:
            return ""
        entries = subscription_timeline(subscription=obj)[:TIMELINE_PER_PAGE]
        return format_html_join(
            "\n",
            "<div>{} · {} · {} {}</div>",
            (
                (date_format(localtime(e.created_at), "DATETIME_FORMAT"), e.actor or "—", e.verb_label, e.detail)
                for e in entries
            ),
        )


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "terms", "accepted_at", "ip_address"]
    list_select_related = ["user", "terms", "terms__offer"]
    readonly_fields = ["organization", "user", "terms", "accepted_at", "ip_address"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["subscription", "kind", "term_end", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["subscription", "subscription__organization", "subscription__offer"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "organization", "offer", "kind", "status", "amount", "currency", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["organization", "offer"]
    search_fields = ["number", "organization__name"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "payment_attempts"]

    @admin.display(description=_("payments"))
    def payment_attempts(self, obj):
        """Every charge attempt of the order, so staff see declines and retries in one place."""
        rows = obj.payments.order_by("attempt").values_list(
            "attempt", "status", "amount", "currency", "stripe_payment_intent_id", "failure_code", "created_at"
        )
        return format_html_join(
            "\n", "<div>#{} {} {} {} {} {} {}</div>", ((*row[:4], row[4] or "", row[5], row[6]) for row in rows)
        )


class BillingProfileAdminForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = ["currency"]

    def clean_currency(self):
        currency = self.cleaned_data["currency"]
        organization_id = self.instance.organization_id
        if (
            currency != self.initial.get("currency")
            and Subscription.objects.filter(organization_id=organization_id, status__in=LIVE_STATUSES).exists()
        ):
            raise ValidationError(
                _("The billing currency cannot change while the organisation has a live subscription.")
            )
        return currency


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    """Staff see billing profiles; the one thing they change here is the billing currency (R19).

    Registered by offers, not billing: the change is allowed only while no subscription is live,
    which billing does not know (offers.services.currency).
    """

    form = BillingProfileAdminForm
    list_display = ["legal_name", "organization", "country", "tax_id", "currency"]
    list_filter = ["currency", "country"]
    list_select_related = ["organization"]
    search_fields = ["legal_name", "organization__name", "tax_id"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in BillingProfile._meta.fields if f.name != "currency"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        billing_currency_change(organization=obj.organization, currency=obj.currency, actor=request.user)
