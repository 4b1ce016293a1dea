"""Admin of the Action Pack benefits: the license key pool staff keep, and the read-only records of use."""

from django.contrib import admin

from membership.admin import ReadOnlyAdmin

from .models import BenefitActivation, CreditGrant, LicenseKey, SeatAssignment


@admin.register(LicenseKey)
class LicenseKeyAdmin(admin.ModelAdmin):
    """The pool of keys staff keep per license benefit; issued keys are read-only."""

    list_display = ["benefit", "masked", "issued_to_subscription", "issued_at"]
    list_filter = ["benefit", ("issued_to_subscription", admin.EmptyFieldListFilter)]
    list_select_related = ["benefit", "issued_to_subscription__organization", "issued_to_subscription__offer"]
    search_fields = ["key", "issued_to_subscription__organization__name"]
    fields = ["benefit", "key", "issued_to_subscription", "issued_at", "issued_by"]
    readonly_fields = ["issued_to_subscription", "issued_at", "issued_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.issued_to_subscription_id:
            return ["benefit", "key", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.issued_to_subscription_id is None


@admin.register(BenefitActivation)
class BenefitActivationAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "benefit", "activated_by", "activated_at"]
    list_select_related = ["subscription__organization", "subscription__offer", "benefit", "activated_by"]


@admin.register(SeatAssignment)
class SeatAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "benefit", "seat", "user", "assigned_at"]
    list_select_related = ["subscription__organization", "subscription__offer", "benefit", "user"]


@admin.register(CreditGrant)
class CreditGrantAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "month", "amount", "currency", "created_at"]
    list_select_related = ["subscription__organization", "subscription__offer"]
