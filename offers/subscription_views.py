"""Subscription details (status, term, card, reminders, timeline) and the Actions on it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.decorators import partner_required, role_required
from membership.permissions import Action, denial_reason, user_can
from partnerportal.fast_urls import object_url, page_url
from partnerportal.formatting import date_text  # Django's date_format, kept per value and language
from partnerportal.page_cache import cached_page

from . import cancellation_page
from .models import ReminderKind, Subscription
from .rules import RenewalVerdict, renewal_decision
from .selectors import next_reminder, renewal_card, subscription_for_organization, subscription_timeline_page
from .services import subscription_turn_off_auto_renewal
from .subscription_forms import TurnOffAutoRenewalForm


def _subscription_or_404(request, pk) -> Subscription:
    try:
        return subscription_for_organization(organization=request.user.organization, pk=pk)
    except Subscription.DoesNotExist as exc:
        raise Http404("No such subscription in your organisation.") from exc


def _optional_url(name, *args, query=""):
    """A URL another engineer's app provides, or None while it does not exist yet (reversed once a process)."""
    try:
        url = object_url(name, *args) if args else page_url(name)
    except NoReverseMatch:
        return None
    return None if url is None else url + query


def _renewal_state(subscription, today):
    """Whether 'Renew subscriptions' is enabled now, and if not, why and from when (R8)."""
    decision = renewal_decision(subscription, today)
    opens, closes = decision.opens, decision.closes
    state = {"opens": opens, "closes": closes, "enabled": False, "reason": "", "url": None}
    if decision.verdict is RenewalVerdict.CANCELLED:
        state["reason"] = _("A cancelled subscription cannot be renewed.")
    elif decision.verdict is RenewalVerdict.TOO_EARLY:
        state["reason"] = _("Renewal opens %(days)s days before the subscription expires, on %(date)s.") % {
            "days": (subscription.current_period_end - opens).days,
            "date": date_text(opens, "DATE_FORMAT"),
        }
    elif decision.verdict is RenewalVerdict.TOO_LATE:
        state["reason"] = _("The renewal window closed on %(date)s. Subscribe again from Partnership > Offers.") % {
            "date": date_text(closes, "DATE_FORMAT")
        }
    else:
        state["url"] = _optional_url("offers:renew_start", subscription.pk)
        if state["url"] is None:
            state["reason"] = _("Renewal is not available yet.")
        else:
            state["enabled"] = True
    return state


@partner_required
@cached_page("subscription")
def subscription_detail(request, pk):
    subscription = _subscription_or_404(request, pk)
    today = timezone.localdate()
    renewal = _renewal_state(subscription, today)
    can_renew = user_can(request.user, Action.RENEW)
    can_manage = user_can(request.user, Action.MANAGE_AUTO_RENEWAL)
    card = renewal_card(subscription)
    upcoming = next_reminder(subscription, today=today) if subscription.is_live else None
    # Years of renewals, reminders and requests: the timeline is read a page at a time.
    timeline = subscription_timeline_page(subscription=subscription, page_number=request.GET.get("page"))
    context = {
        "subscription": subscription,
        "offer_name": subscription.offer.localized("name"),
        "card": card,
        "card_expires_first": card is not None and card.expires_before(subscription.current_period_end),
        "renewal": renewal,
        "can_renew": can_renew,
        "renew_denied_reason": "" if can_renew else denial_reason(Action.RENEW),
        "can_manage_auto_renewal": can_manage,
        "auto_renewal_denied_reason": "" if can_manage else denial_reason(Action.MANAGE_AUTO_RENEWAL),
        "next_reminder": upcoming and {"label": ReminderKind(upcoming[0]).label, "date": upcoming[1]},
        "timeline": timeline,
        "cancel_url": cancellation_page.url(subscription.pk),
    }
    return render(request, "offers/subscription_detail.html", context, using="jinja2")


@role_required(Action.MANAGE_AUTO_RENEWAL)
def turn_off_auto_renewal(request, pk):
    """GET: the confirmation with the one-way rule (R7); POST: turn it off. Nothing turns it back on."""
    subscription = _subscription_or_404(request, pk)
    if not (subscription.is_live and subscription.auto_renew):
        messages.info(request, _("Automatic renewal is already off for this subscription."))
        return redirect(subscription)
    form = TurnOffAutoRenewalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_turn_off_auto_renewal(subscription=subscription, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                "%s %s"
                % (
                    _("Automatic renewal is turned off."),
                    _("We’ll remind you to renew before your subscription expires."),
                ),
            )
        return redirect(subscription)
    context = {"subscription": subscription, "offer_name": subscription.offer.localized("name"), "form": form}
    return render(request, "offers/subscription_turn_off_auto_renewal.html", context)
