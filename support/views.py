"""Partner pages: report a problem, file a request, follow it and reply (seed section 5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from membership.decorators import partner_required, role_required
from membership.permissions import Action, user_can
from partnerportal.forms import add_service_errors
from partnerportal.ids import parse_id
from partnerportal.page_cache import cached_page

from . import selectors, services
from .forms import ReplyForm, ServiceRequestForm, StatusFilterForm
from .models import Attachment, ProblemType, RequestStatus
from .quote_text import quote_computed_on, quote_sentence


@partner_required
@cached_page("requests")
def request_list(request):
    """Service requests > Partner Center requests: the organisation's requests, filtered by status."""
    filter_form = StatusFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else None
    page = selectors.request_list_page(
        organization=request.user.organization, status=status, page_number=request.GET.get("page")
    )
    return render(request, "support/request_list.html", {"page": page, "status": status or ""}, using="jinja2")


@partner_required
def report(request):
    """Report problems with Partner Center: the page with the New request button."""
    return render(request, "support/report.html", {})


def _render_form(request, form, status=200):
    # Before filing, the partner sees what cancelling each of the organisation's live subscriptions
    # would refund today, by staff's rule (R21); the page shows the chosen one's.
    quotes = [
        (
            subscription.pk,
            subscription.offer.localized("name"),
            quote_sentence(services.subscription_refund_quote(subscription=subscription)),
        )
        for subscription in form.fields["subscription"].queryset
    ]
    context = {"form": form, "invoice_type": ProblemType.INVOICE_PAYMENT, "quotes": quotes}
    return render(request, "support/request_form.html", context, status=status)


@role_required(Action.FILE_SERVICE_REQUEST)
def request_new(request):
    organization = request.user.organization
    if request.method != "POST":
        return _render_form(request, ServiceRequestForm(organization=organization))
    form = ServiceRequestForm(request.POST, request.FILES, organization=organization)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "user": request.user,
            "problem_type": data["problem_type"],
            "title": data["title"],
            "description": data["description"],
            "severity": data["severity"],
            "subscription": data["subscription"],
            "order": data["order"],
            "uploads": [data["attachment"]] if data.get("attachment") else [],
        }
        try:
            if data["wants_cancellation"]:
                # A cancellation keeps its reason and the refund quote of the moment it is filed.
                service_request = services.cancellation_request_file(
                    cancellation_reason=data["cancellation_reason"],
                    cancellation_reason_other=data["cancellation_reason_other"],
                    **fields,
                )
            else:
                service_request = services.request_file(**fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your service request %(number)s was submitted. Partner Center Support will contact you.")
                % {"number": service_request.number},
            )
            return redirect(service_request)
    return _render_form(request, form)


@role_required(Action.FILE_SERVICE_REQUEST)
def new_cancellation(request):
    """The New request form pre-filled to cancel one subscription (the subscription page links here)."""
    subscription_id = parse_id(request.GET.get("subscription"))
    if subscription_id is None:
        raise Http404
    subscription = get_object_or_404(
        selectors.live_subscriptions_for(organization=request.user.organization), pk=subscription_id
    )
    form = ServiceRequestForm(
        organization=request.user.organization,
        initial={
            "problem_type": ProblemType.INVOICE_PAYMENT,
            "subscription": subscription.pk,
            "wants_cancellation": True,
            "title": _("Cancel my %(offer)s") % {"offer": subscription.offer.localized("name")},
        },
    )
    return _render_form(request, form)


@partner_required
def request_detail(request, pk):
    """Open: the request, its status and its public conversation (never internal notes)."""
    service_request = selectors.request_for_partner(user=request.user, pk=pk)
    return _render_detail(request, service_request, ReplyForm())


def _render_detail(request, service_request, reply_form, status=200):
    quote = services.recorded_quote(service_request)
    context = {
        "quote_sentence": quote_sentence(quote) if quote else "",
        "quoted_on": quote_computed_on(quote) if quote else "",
        "service_request": service_request,
        "conversation": selectors.public_conversation(service_request=service_request),
        "request_attachments": selectors.request_level_attachments(service_request=service_request),
        "status_changes": service_request.status_changes.all(),
        "reply_form": reply_form,
        "subscription_name": service_request.subscription.offer.localized("name")
        if service_request.subscription_id
        else "",
        "can_reply": user_can(request.user, Action.FILE_SERVICE_REQUEST)
        and service_request.status != RequestStatus.CLOSED,
    }
    return render(request, "support/request_detail.html", context, status=status)


@require_POST
@role_required(Action.FILE_SERVICE_REQUEST)
def request_reply(request, pk):
    service_request = selectors.request_for_partner(user=request.user, pk=pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_add(
                service_request=service_request,
                author=request.user,
                body=form.cleaned_data["body"],
                uploads=[form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect(service_request)
    return _render_detail(request, service_request, form, status=400)


@login_required
def attachment_download(request, request_pk, pk):
    """Serve an attachment: staff see any; a partner only their organisation's, never a staff note's."""
    if request.user.is_staff:
        attachment = get_object_or_404(Attachment, pk=pk, request_id=request_pk)
    elif request.user.organization_id:
        attachment = selectors.partner_visible_attachment(user=request.user, request_pk=request_pk, pk=pk)
    else:
        raise PermissionDenied
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
