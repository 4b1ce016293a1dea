from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partnerportal.admin_dates import BoundedDateHierarchyMixin

from . import services
from .models import (
    ActivityEntry,
    Competency,
    CompetencyReminder,
    Invitation,
    Organization,
    User,
    UserRole,
)


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    autocomplete_fields = ["granted_by"]
    readonly_fields = ["expired_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "network_agreement_accepted_at", "created_at"]
    search_fields = ["name"]
    readonly_fields = [
        "network_agreement_version",
        "network_agreement_accepted_at",
        "network_agreement_accepted_by",
        "stripe_customer_id",
    ]
    inlines = [CompetencyInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "organization", "is_active", "is_staff"]
    list_filter = ["is_staff", "is_active", "organization"]
    list_select_related = ["organization"]
    search_fields = ["email", "first_name", "last_name", "organization__name"]
    autocomplete_fields = ["organization"]
    inlines = [UserRoleInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "organization", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["organization", "solution_area", "level", "granted_on", "expires_on", "expired_at"]
    list_filter = ["level", "solution_area"]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization", "granted_by"]
    readonly_fields = ["expired_at"]
    actions = ["renew_for_a_year", "expire_now"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            services.activity_record(
                actor=request.user,
                organization=obj.organization,
                verb="competency.changed",
                obj=obj,
                data={"expires_on": obj.expires_on.isoformat()},
            )
        else:
            services.competency_grant(actor=request.user, competency=obj)

    @admin.action(description=_("Renew for a year"))
    def renew_for_a_year(self, request, queryset):
        for competency in queryset:
            services.competency_renew(actor=request.user, competency=competency)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d competency renewed.", "%(count)d competencies renewed.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Expire now"))
    def expire_now(self, request, queryset):
        for competency in queryset:
            services.competency_expire(actor=request.user, competency=competency)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d competency expired.", "%(count)d competencies expired.", count) % {"count": count},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only: staff read them, never edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityEntry)
class ActivityEntryAdmin(BoundedDateHierarchyMixin, ReadOnlyAdmin):
    list_display = ["created_at", "organization", "actor", "verb", "object_repr", "detail"]
    list_filter = ["verb", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "actor"]
    search_fields = ["organization__name", "actor__email", "object_repr", "data", "verb"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organization", "created_at", "accepted_at", "revoked_at", "invited_by"]
    list_select_related = ["organization", "invited_by"]
    search_fields = ["email", "organization__name"]


@admin.register(CompetencyReminder)
class CompetencyReminderAdmin(ReadOnlyAdmin):
    list_display = ["competency", "expires_on", "sent_at"]
    list_select_related = ["competency__organization"]
