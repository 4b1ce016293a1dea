from django.contrib import admin

from . import admin_benefits  # noqa: F401  (registers the benefit models)
from .models import Offer, OfferBenefit, OfferTerms, Reminder, Subscription, TermsAcceptance, TimelineEntry


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


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "detail", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "offer", "status", "auto_renew", "current_period_end"]
    list_filter = ["status", "auto_renew", "offer"]
    list_select_related = ["organization", "offer"]
    search_fields = ["organization__name", "id"]
    # State changes go through offers.services only, never by editing the row.
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = [TimelineInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


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
