from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Competency, Organization, User, UserRole


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    autocomplete_fields = ["granted_by"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "network_agreement_accepted_at", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["network_agreement_version", "network_agreement_accepted_at", "network_agreement_accepted_by", "stripe_customer_id"]
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
    list_display = ["organization", "solution_area", "level", "granted_on", "expires_on"]
    list_filter = ["level", "solution_area"]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization", "granted_by"]
