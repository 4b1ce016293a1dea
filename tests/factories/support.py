"""Staff who work the queue and service requests (filed through support.services.request_file)."""

import factory
from django.contrib.auth.models import Permission

from membership.models import User
from support import services
from support.models import CancellationReason, DecisionStatus, ProblemType, ServiceRequest, Severity
from tests.factories.membership import PASSWORD, UserFactory

STAFF_CODENAMES = ["view_servicerequest", "change_servicerequest", "view_cancellationdecision"]


class StaffFactory(factory.Factory):
    """A staff member who can work the queue; ``refund`` grants support.process_refund, ``superuser`` everything."""

    class Meta:
        model = User
        strategy = factory.CREATE_STRATEGY

    email = factory.Sequence(lambda n: f"staff{n}@support.example")
    refund = True
    superuser = False

    @classmethod
    def _create(cls, model_class, *, email, refund, superuser):
        if superuser:
            return model_class.objects.create_superuser(email=email, password=PASSWORD)
        user = model_class.objects.create_user(email=email, password=PASSWORD, is_staff=True)
        codenames = STAFF_CODENAMES + (["process_refund"] if refund else [])
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="support", codename__in=codenames))
        return model_class.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


class ServiceRequestFactory(factory.Factory):
    """A service request filed by ``user`` (about ``subscription`` if given) through the filing services."""

    class Meta:
        model = ServiceRequest
        strategy = factory.CREATE_STRATEGY

    user = factory.SubFactory(UserFactory)
    subscription = None
    wants_cancellation = False
    problem_type = factory.LazyAttribute(
        lambda o: ProblemType.INVOICE_PAYMENT if o.subscription is not None else ProblemType.OTHER
    )
    # A cancellation gives a reason and is filed through cancellation_request_file (which records the quote).
    cancellation_reason = factory.LazyAttribute(
        lambda o: CancellationReason.TOO_EXPENSIVE if o.wants_cancellation else ""
    )
    title = "Help please"
    description = "Please look into it."
    severity = Severity.MODERATE

    @classmethod
    def _create(cls, model_class, *, wants_cancellation, cancellation_reason, **kwargs):
        if wants_cancellation:
            return services.cancellation_request_file(cancellation_reason=cancellation_reason, **kwargs)
        return services.request_file(**kwargs)


def cancellation_processed(*, service_request, refund_kind, expected_amount=None, approvers=None):
    """Staff's cancellation decision approved to the end, through support.services.cancellation_process.

    One member of finance staff approves it, and a second, different one when its refund is above
    settings.REFUND_SECOND_APPROVAL_ABOVE (R23); returns the decision as the last approval left it.
    """
    approvers = list(approvers or (StaffFactory(), StaffFactory()))
    decision = None
    for approver in approvers:
        decision = services.cancellation_process(
            service_request=service_request, refund_kind=refund_kind, actor=approver, expected_amount=expected_amount
        )
        if decision.status != DecisionStatus.AWAITING_APPROVAL:
            break
    return decision
