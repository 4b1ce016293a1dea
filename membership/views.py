"""Sign-up, enrolment, users, the language switch and the health check.

A signed-in partner lands on the dashboard, which lives in a layer above (it shows the Action Pack
subscription); membership sends people there through settings.LOGIN_REDIRECT_URL, not by its URL name.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnerportal.celery import app
from partnerportal.forms import add_service_errors
from partnerportal.redirects import safe_next

from .decorators import partner_required
from .forms import EnrolForm, LanguageForm, SignUpForm
from .permissions import Action, user_can
from .services import organization_enrol, organization_sign_up, user_set_language


def home(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return redirect("login")


def sign_up(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = organization_sign_up(
                organization_name=data["organization_name"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password1"],
                language=translation.get_language() or "en",
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field="password1")
        else:
            login(request, user, backend="membership.backends.PortalBackend")
            messages.success(request, _("Welcome! Your organisation is now a member of the network."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/sign_up.html", {"form": form})


@partner_required
@require_POST
def enrol(request):
    if not user_can(request.user, Action.MANAGE_MEMBERSHIP):
        raise PermissionDenied
    form = EnrolForm(request.POST)
    if form.is_valid():
        organization_enrol(organization=request.user.organization, user=request.user)
        messages.success(request, _("Your organisation is now a member of the network."))
    else:
        messages.error(request, form.errors["accept_network_agreement"][0])
    return redirect(settings.LOGIN_REDIRECT_URL)


@require_POST
def set_language(request):
    """Switch the interface language; saved on the user so it follows them to every device."""
    form = LanguageForm(request.POST)
    response = redirect(safe_next(request, request.POST.get("next"), "/"))
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


@never_cache
def healthz(request):
    """Check the database and the broker; 200 when both answer, 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
