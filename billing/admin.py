from django.contrib import admin

from partnerportal.effective import has_taken_effect

from .models import Payment, PaymentMethod, Refund, TaxRate, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money rows change only through services; staff look, they do not edit."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ["organization", "brand", "last4", "exp_month", "exp_year", "is_default", "removed_at"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "last4", "stripe_payment_method_id"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "organization",
        "attempt",
        "amount",
        "currency",
        "status",
        "stripe_payment_intent_id",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["organization"]
    search_fields = ["reference", "stripe_payment_intent_id", "organization__name"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "organization", "amount", "currency", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["payment", "organization"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_event_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type"]
    search_fields = ["stripe_event_id"]


class EffectiveDatedAdmin(admin.ModelAdmin):
    """Rows with an effective date: one that has taken effect is shown read-only and cannot be deleted."""

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and has_taken_effect(obj.effective_from):
            return [f.name for f in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and has_taken_effect(obj.effective_from):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # "Delete selected" asks no row whether it has taken effect: one row at a time, from its page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(TaxRate)
class TaxRateAdmin(EffectiveDatedAdmin):
    """R19's rates: staff add a country's new rate with the day it takes effect."""

    list_display = ["country", "rate", "effective_from"]
    list_filter = ["country"]
    search_fields = ["country"]
