"""Sign-in and sign-out whose ``next`` must be a local path; password guessing is stopped by django-axes.
The forgotten-password e-mail is the portal's kind (partnerportal.notifications)."""

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import reverse

from .notifications import notify, site_url
from .redirects import LocalNextMixin


class LoginView(LocalNextMixin, auth_views.LoginView):
    """Sign in; django-axes (partnerportal/lockout.py) locks an account or an address after failures."""

    redirect_authenticated_user = True


class LogoutView(LocalNextMixin, auth_views.LogoutView):
    """Sign out; a ``next`` that is not a local path is ignored, as on sign-in."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, whose e-mail is sent like every other: text and HTML, in the user's language
    (not the one of the browser that asked), its link on the configured public address (not on the
    Host header of the request, which whoever asks controls)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        notify(
            template="registration/password_reset",
            recipients=[context["user"]],
            context={"url": site_url(path)},
            from_email=from_email,
        )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
