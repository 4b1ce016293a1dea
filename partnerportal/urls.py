"""The project's URLconf: the bottom layer, so it names the apps' URL modules by string and imports none."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .auth_views import LoginView, LogoutView, PasswordResetView

admin.site.site_header = _("Partner Center administration")
admin.site.site_title = _("Partner Center administration")

urlpatterns = [
    path("", include("membership.root_urls")),
    # Password guessing is stopped by django-axes (partnerportal/lockout.py), here and at /admin/login/.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("membership/", include("membership.urls")),
    # The dashboard, overview and benefits read the Action Pack subscription, so offers serves them.
    path("membership/", include("offers.dashboard_urls")),
    path("membership/", include("offers.benefit_urls")),
    path("partnership/offers/", include("offers.urls")),
    path("partnership/subscriptions/", include("offers.subscription_urls")),
    path("billing/", include("billing.urls")),
    path("support/", include("support.urls")),
    path("admin/", admin.site.urls),
]
