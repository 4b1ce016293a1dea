"""Sign-in and sign-out whose ``next`` must be a local path; password guessing is stopped by django-axes."""

from django.contrib.auth import views as auth_views

from .redirects import LocalNextMixin


class LoginView(LocalNextMixin, auth_views.LoginView):
    """Sign in; django-axes (partnerportal/lockout.py) locks an account or an address after failures."""

    redirect_authenticated_user = True


class LogoutView(LocalNextMixin, auth_views.LogoutView):
    """Sign out; a ``next`` that is not a local path is ignored, as on sign-in."""
