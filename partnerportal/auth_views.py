"""Sign-in with a brake on password guessing: failed attempts are counted per account and per address."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _

from .redirects import LocalNextMixin


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


def _keys(request):
    username = (request.POST.get("username") or "").strip().lower()
    ip = _client_ip(request)
    return [f"login-fail:acct:{username}:{ip}", f"login-fail:ip:{ip}"]


def _limits():
    return [settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_IP]


class RateLimitedLoginView(LocalNextMixin, auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if any((cache.get(key) or 0) >= limit for key, limit in zip(_keys(request), _limits(), strict=True)):
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _("Too many failed sign-in attempts. Wait %(minutes)s minutes and try again.")
                % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key in _keys(self.request):
            # add() starts the window; incr() counts inside it without extending it.
            if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_keys(self.request)[0])
        return super().form_valid(form)


class LogoutView(LocalNextMixin, auth_views.LogoutView):
    """Sign out; a ``next`` that is not a local path is ignored, as on sign-in."""
