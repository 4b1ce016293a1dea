"""Staff permissions (R23): the two groups, and four eyes on a refund above the threshold.

Support agents work the queue; finance staff approve refunds. A refund above
settings.REFUND_SECOND_APPROVAL_ABOVE (default 40000 minor units, 400.00) goes out only when a second,
different member of finance staff approves it, and then exactly once.
"""

import threading
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import Refund, RefundStatus
from membership.models import Role, User
from offers.models import SubscriptionStatus
from support import services
from support.models import CancellationDecision, DecisionStatus, RefundApproval, RefundKind, RequestStatus
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.helpers.localstripe import localstripe_refunds

PRICE = 47500  # US$475.00: above the default threshold of US$400.00
FULL = {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}

QUEUE = {
    "support.view_servicerequest",
    "support.change_servicerequest",
    "support.view_requestmessage",
    "support.add_requestmessage",
    "support.view_attachment",
    "support.view_statuschange",
    "support.view_clockevent",
    "support.view_cancellationdecision",
    "support.view_refundapproval",
    "support.view_cannedreply",
    "offers.view_subscription",
    "offers.view_order",
    "membership.view_organization",
}


def _member(group_name, email):
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def agent(db):
    return _member("Support agents", "agent@support.example")


@pytest.fixture
def finance(db):
    return _member("Finance staff", "finance@support.example")


@pytest.fixture
def finance2(db):
    return _member("Finance staff", "finance2@support.example")


@pytest.fixture
def bought(stripe_settings, org, global_admin):
    return paid_subscription(org, user=global_admin)


@pytest.fixture
def cancellation(bought, global_admin):
    subscription, _ = bought
    return ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)


def _process_url(service_request):
    return reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk])


def _approve(service_request, actor, kind=RefundKind.FULL, amount=PRICE):
    return services.cancellation_process(
        service_request=service_request, refund_kind=kind, actor=actor, expected_amount=amount
    )


def _refunds_at_stripe(localstripe_process, payment):
    return [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)]


# --- The groups --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestGroups:
    def _permissions(self, name):
        group = Group.objects.get(name=name)
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    def test_the_migration_makes_both_groups_with_their_permissions(self):
        assert self._permissions("Support agents") == QUEUE | {"support.add_cannedreply", "support.change_cannedreply"}
        assert self._permissions("Finance staff") == QUEUE | {
            "support.process_refund",
            "billing.view_payment",
            "billing.view_refund",
        }

    def test_an_agent_works_the_queue_but_holds_no_refund_permission(self, agent, finance):
        assert agent.has_perm("support.change_servicerequest") and not agent.has_perm(services.REFUND_PERMISSION)
        assert finance.has_perm(services.REFUND_PERMISSION)

    def test_the_demo_has_one_staff_member_of_each_group_and_prints_their_logins(self):
        out = StringIO()
        call_command("load_demo_data", "--no-subscriptions", stdout=out)
        call_command("load_demo_data", "--no-subscriptions", stdout=StringIO())  # idempotent
        agent = User.objects.get(email="agent@partner.example")
        finance = User.objects.get(email="finance@partner.example")
        assert agent.is_staff and not agent.is_superuser and [g.name for g in agent.groups.all()] == ["Support agents"]
        assert finance.is_staff and [g.name for g in finance.groups.all()] == ["Finance staff"]
        assert finance.has_perm(services.REFUND_PERMISSION) and not agent.has_perm(services.REFUND_PERMISSION)
        lines = out.getvalue().splitlines()
        assert any(line.split()[:1] == ["agent@partner.example"] and "support agent" in line for line in lines)
        assert any(line.split()[:1] == ["finance@partner.example"] and "finance staff" in line for line in lines)


# --- Support agents -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSupportAgent:
    def test_an_agent_sees_the_queue_replies_and_assigns(self, client, agent, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        client.force_login(agent)
        assert client.get(reverse("admin:support_servicerequest_changelist")).status_code == 200
        change_url = reverse("admin:support_servicerequest_change", args=[service_request.pk])
        page = client.get(change_url)
        assert page.status_code == 200
        data = {}
        for bound in page.context["adminform"].form:
            if bound.value() is not None:
                data[bound.html_name] = bound.value()
        for inline in page.context["inline_admin_formsets"]:
            for bound in inline.formset.management_form:
                data[bound.html_name] = bound.value()
        data["messages-0-body"] = "We are looking into it."
        assert client.post(change_url, data).status_code == 302
        assert service_request.messages.get(author=agent).body == "We are looking into it."
        client.post(
            reverse("admin:support_servicerequest_changelist"),
            {"action": "assign_to_me", "_selected_action": [service_request.pk]},
        )
        service_request.refresh_from_db()
        assert service_request.assignee == agent and service_request.status == RequestStatus.IN_PROGRESS

    def test_an_agent_cannot_approve_a_refund_in_admin_or_in_the_service(
        self, client, agent, cancellation, bought, localstripe_process
    ):
        subscription, payment = bought
        client.force_login(agent)
        page = client.get(_process_url(cancellation)).content.decode()
        assert "Only staff with the billing permission" in page
        assert 'id="review-button" disabled' in page
        assert client.post(_process_url(cancellation), FULL).status_code == 403
        with pytest.raises(PermissionDenied):
            _approve(cancellation, agent)
        assert not CancellationDecision.objects.exists() and not RefundApproval.objects.exists()
        assert _refunds_at_stripe(localstripe_process, payment) == []

    def test_an_agent_cannot_reject_a_waiting_decision(self, client, agent, finance, cancellation, bought):
        _approve(cancellation, finance)
        client.force_login(agent)
        assert 'id="reject-button"' not in client.get(_process_url(cancellation)).content.decode()
        assert client.post(_process_url(cancellation), {"reject": "yes"}).status_code == 403
        with pytest.raises(PermissionDenied):
            services.cancellation_reject(service_request=cancellation, actor=agent)
        assert CancellationDecision.objects.get().status == DecisionStatus.AWAITING_APPROVAL


# --- Four eyes ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFourEyes:
    @pytest.mark.parametrize("amount, needed", [(39999, 1), (40000, 1), (40001, 2), (PRICE, 2)])
    def test_the_threshold_is_strictly_above_the_setting(self, amount, needed):
        assert services.approvals_needed(amount) == needed

    def test_the_threshold_is_a_setting(self, settings):
        settings.REFUND_SECOND_APPROVAL_ABOVE = PRICE
        assert services.approvals_needed(PRICE) == 1 and services.approvals_needed(PRICE + 1) == 2

    def test_below_the_threshold_one_finance_approval_refunds_at_once(
        self, stripe_settings, org, global_admin, finance, localstripe_process
    ):
        subscription, payment = paid_subscription(org, user=global_admin, days_ago=100)
        request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
        amount = services.cancellation_quote(service_request=request).amount_for(RefundKind.PRORATED)
        assert 0 < amount <= 40000
        decision = _approve(request, finance, kind=RefundKind.PRORATED, amount=amount)
        assert decision.status == DecisionStatus.COMPLETED and decision.approvals_required == 1
        assert [(a.step, a.approver, a.amount) for a in decision.approvals.all()] == [(1, finance, amount)]
        assert Refund.objects.get().amount == amount and _refunds_at_stripe(localstripe_process, payment) == [amount]
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELLED

    def test_above_the_threshold_the_first_approval_moves_nothing(
        self, finance, cancellation, bought, localstripe_process
    ):
        subscription, payment = bought
        decision = _approve(cancellation, finance)
        assert decision.status == DecisionStatus.AWAITING_APPROVAL and decision.approvals_required == 2
        approval = decision.approvals.get()
        assert (approval.step, approval.approver, approval.refund_kind, approval.amount, approval.currency) == (
            1,
            finance,
            RefundKind.FULL,
            PRICE,
            "USD",
        )
        assert not Refund.objects.exists() and _refunds_at_stripe(localstripe_process, payment) == []
        subscription.refresh_from_db()
        cancellation.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE and cancellation.status == RequestStatus.OPEN

    def test_the_same_user_twice_is_refused_with_a_clear_message(
        self, client, finance, cancellation, bought, localstripe_process
    ):
        _approve(cancellation, finance)
        with pytest.raises(services.CancellationError, match="You have already approved this refund"):
            _approve(cancellation, finance)
        client.force_login(finance)
        page = client.get(_process_url(cancellation)).content.decode()
        assert 'id="approved-by-me"' in page and 'id="review-button" disabled' in page
        response = client.post(_process_url(cancellation), FULL, follow=True)
        assert "You have already approved this refund. A second approval must come from another" in (
            response.content.decode()
        )
        assert RefundApproval.objects.count() == 1 and not Refund.objects.exists()

    def test_superusers_too_need_two_different_people(self, cancellation, bought):
        superuser = StaffFactory(superuser=True)
        assert _approve(cancellation, superuser).status == DecisionStatus.AWAITING_APPROVAL
        with pytest.raises(services.CancellationError, match="already approved"):
            _approve(cancellation, superuser)
        assert not Refund.objects.exists()

    def test_a_second_different_user_issues_exactly_one_refund(
        self, client, finance, finance2, cancellation, bought, localstripe_process
    ):
        subscription, payment = bought
        _approve(cancellation, finance)
        client.force_login(finance2)
        review = client.post(_process_url(cancellation), {"refund_kind": RefundKind.FULL}).content.decode()
        assert "Your approval is the second (the first is by finance@support.example)" in review
        assert client.post(_process_url(cancellation), FULL).status_code == 302
        decision = CancellationDecision.objects.get()
        assert decision.status == DecisionStatus.COMPLETED and decision.refund.status == RefundStatus.SUCCEEDED
        assert [(a.step, a.approver) for a in decision.approvals.all()] == [(1, finance), (2, finance2)]
        assert _refunds_at_stripe(localstripe_process, payment) == [PRICE]
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELLED
        # Once done, nobody approves again: a third approval is a no-op on the completed decision.
        assert _approve(cancellation, StaffFactory()).pk == decision.pk
        assert RefundApproval.objects.count() == 2 and Refund.objects.count() == 1

    def test_a_double_submit_of_the_second_approval_makes_one_refund(
        self, client, finance, finance2, cancellation, bought, localstripe_process
    ):
        _, payment = bought
        _approve(cancellation, finance)
        client.force_login(finance2)
        first = client.post(_process_url(cancellation), FULL)
        second = client.post(_process_url(cancellation), FULL)
        assert first.status_code == 302 and second.status_code == 200
        assert "Processed: Full refund" in second.content.decode()
        assert Refund.objects.count() == 1 and CancellationDecision.objects.count() == 1
        assert RefundApproval.objects.count() == 2
        assert _refunds_at_stripe(localstripe_process, payment) == [PRICE]

    def test_a_double_submit_of_the_first_approval_records_one_approval(self, client, finance, cancellation, bought):
        client.force_login(finance)
        assert client.post(_process_url(cancellation), FULL).status_code == 302
        assert client.post(_process_url(cancellation), FULL).status_code == 302  # refused, with the message
        assert RefundApproval.objects.count() == 1 and CancellationDecision.objects.count() == 1

    def test_the_database_refuses_a_second_approval_by_the_same_user(self, finance, cancellation, bought):
        decision = _approve(cancellation, finance)
        with pytest.raises(IntegrityError), transaction.atomic():
            RefundApproval.objects.create(
                decision=decision, step=2, approver=finance, refund_kind=RefundKind.FULL, amount=PRICE, currency="USD"
            )

    def test_a_different_choice_while_one_waits_is_refused(self, finance, finance2, cancellation, bought):
        _approve(cancellation, finance)
        with pytest.raises(services.CancellationError, match="Another decision is waiting for its second approval"):
            _approve(cancellation, finance2, kind=RefundKind.NONE, amount=0)
        assert CancellationDecision.objects.get().status == DecisionStatus.AWAITING_APPROVAL

    def test_a_rejected_decision_refunds_nothing_and_staff_decide_again(
        self, client, finance, finance2, cancellation, bought, localstripe_process
    ):
        subscription, payment = bought
        _approve(cancellation, finance)
        client.force_login(finance2)
        response = client.post(_process_url(cancellation), {"reject": "yes"}, follow=True)
        assert "The decision was rejected; nothing was refunded." in response.content.decode()
        rejected = CancellationDecision.objects.get()
        assert (rejected.status, rejected.rejected_by) == (DecisionStatus.REJECTED, finance2)
        decision = _approve(cancellation, finance2, kind=RefundKind.NONE, amount=0)  # no refund: one approval
        assert decision.pk != rejected.pk and decision.status == DecisionStatus.COMPLETED
        assert _refunds_at_stripe(localstripe_process, payment) == []


# --- What the admin shows -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdminShowsApprovals:
    def test_the_request_page_the_process_page_and_the_decisions_list_show_who_approved_what(
        self, client, finance, finance2, cancellation, bought
    ):
        _approve(cancellation, finance)
        client.force_login(finance2)
        process = client.get(_process_url(cancellation)).content.decode()
        assert 'id="awaiting-approval"' in process and "Waiting for a second approval" in process
        assert "1. finance@support.example approved Full refund (US$475.00) on" in process
        assert "is above US$400.00" in process
        change = client.get(reverse("admin:support_servicerequest_change", args=[cancellation.pk])).content.decode()
        assert "1. finance@support.example approved Full refund (US$475.00) on" in change
        _approve(cancellation, finance2)
        listing = client.get(reverse("admin:support_cancellationdecision_changelist")).content.decode()
        assert "1. finance@support.example approved Full refund (US$475.00)" in listing
        assert "2. finance2@support.example approved Full refund (US$475.00)" in listing
        decision = CancellationDecision.objects.get()
        detail = client.get(reverse("admin:support_cancellationdecision_change", args=[decision.pk])).content.decode()
        assert "finance@support.example" in detail and "finance2@support.example" in detail
        done = client.get(_process_url(cancellation)).content.decode()
        assert "2. finance2@support.example approved Full refund (US$475.00) on" in done

    def test_the_first_approver_is_told_before_and_after(self, client, finance, cancellation, bought):
        client.force_login(finance)
        review = client.post(_process_url(cancellation), {"refund_kind": RefundKind.FULL}).content.decode()
        assert "This refund is above US$400.00: your approval is the first of two." in review
        response = client.post(_process_url(cancellation), FULL, follow=True).content.decode()
        assert "Your approval of Full refund (US$475.00) is recorded." in response

    def test_in_russian(self, client, finance, cancellation, bought):
        finance.language = "ru"
        finance.save(update_fields=["language"])
        client.force_login(finance)
        review = client.post(
            _process_url(cancellation), {"refund_kind": RefundKind.FULL}, HTTP_ACCEPT_LANGUAGE="ru"
        ).content.decode()
        assert "ваше одобрение — первое из двух" in review
        _approve(cancellation, finance)
        page = client.get(_process_url(cancellation), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        assert "Ожидает второго одобрения" in page
        assert "1. finance@support.example одобрил(а): Полный возврат (475,00" in page


# --- At once ----------------------------------------------------------------------------------------


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_two_second_approvals_at_once_make_one_refund(stripe_settings, localstripe_process):
    org = OrganizationFactory(name="Four Eyes Co")
    partner = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    subscription, payment = paid_subscription(org, user=partner)
    request = ServiceRequestFactory(user=partner, subscription=subscription, wants_cancellation=True)
    _approve(request, StaffFactory())
    approvers = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(len(approvers))
    outcomes = []

    def work(actor):
        from django.db import connections

        try:
            barrier.wait()
            outcomes.append(_approve(request, actor).status)
        except services.CancellationError as exc:
            outcomes.append(f"refused: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(actor,)) for actor in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2 and DecisionStatus.COMPLETED in outcomes, outcomes
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 1
    assert CancellationDecision.objects.filter(status=DecisionStatus.COMPLETED).count() == 1
    assert RefundApproval.objects.count() == 2
    assert _refunds_at_stripe(localstripe_process, payment) == [PRICE]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
