from django.contrib import admin
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from billing.admin import ReadOnlyAdmin

from . import admin_benefits  # noqa: F401  (registers the benefit models)
from .models import Offer, OfferBenefit, OfferTerms, Order, Reminder, Subscription, TermsAcceptance
from .selectors import TIMELINE_PER_PAGE, subscription_timeline


class OfferBenefitInline(admin.TabularInline):
    model = OfferBenefit
    extra = 0


class OfferTermsInline(admin.StackedInline):
    model = OfferTerms
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price_amount", "currency", "term_months", "is_active"]
    search_fields = ["name", "code"]
    inlines = [OfferBenefitInline, OfferTermsInline]


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
