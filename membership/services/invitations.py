"""Invitations: a Global admin invites by e-mail; the signed link is used once within a week."""

import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import page_cache
from partnerportal.notifications import Recipient, notify, site_url

from ..models import Invitation, Role, User
from ..permissions import Action, require
from .activity import activity_record
from .users import lock_organization, user_roles_set

INVITATION_SALT = "membership.invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=7)


def invitation_token(invitation: Invitation) -> str:
    """The signed, timestamped value of the invitation link; it names the key and the organisation."""
    return signing.TimestampSigner(salt=INVITATION_SALT).sign_object(
        {"k": str(invitation.key), "o": invitation.organization_id}
    )


def invitation_url(invitation: Invitation, base_url: str | None = None) -> str:
    """The link the invitee follows: on the configured public address unless ``base_url`` names another."""
    path = reverse("membership:invitation_accept", args=[invitation_token(invitation)])
    return base_url.rstrip("/") + path if base_url else site_url(path)


def _invitation_send(invitation_id: int, base_url: str | None) -> None:
    invitation = Invitation.objects.select_related("organization", "invited_by").get(pk=invitation_id)
    # The invitee has no account, hence no language yet: write in the inviter's.
    language = invitation.invited_by.language if invitation.invited_by else settings.LANGUAGE_CODE
    notify(
        template="membership/email/invitation",
        recipients=[Recipient(email=invitation.email, language=language)],
        context={
            "invitation": invitation,
            "url": invitation_url(invitation, base_url),
            "expires_at": invitation.created_at + INVITATION_MAX_AGE,
        },
        event="invitation:%d" % invitation.pk,
    )


@transaction.atomic
def invitation_create(*, actor: User, email: str, roles, base_url: str | None = None) -> Invitation:
    """A Global admin invites someone by e-mail into the admin's own organisation with chosen roles.

    The link is on settings.PORTAL_BASE_URL, not on the host the admin's request named (a forged
    Host header must not put someone else's address into an invitation); ``base_url`` is for tests
    whose server listens elsewhere.
    """
    require(actor, Action.MANAGE_USERS, organization_id=actor.organization_id)
    email = User.objects.normalize_email(email).strip().lower()
    wanted = sorted({Role(role).value for role in roles})
    if not wanted:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    organization = lock_organization(actor.organization_id)
    # Inviting the same address again replaces the earlier link.
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    page_cache.organization_changed(organization.pk)  # update() sends no post_save
    invitation = Invitation(organization=organization, email=email, roles=wanted, invited_by=actor, created_at=now)
    invitation.full_clean()
    invitation.save()
    activity_record(
        actor=actor,
        organization=organization,
        verb="invitation.sent",
        obj=invitation,
        data={"roles": wanted},
    )
    transaction.on_commit(lambda: _invitation_send(invitation.pk, base_url))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require(actor, Action.MANAGE_USERS, organization_id=invitation.organization_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    activity_record(actor=actor, organization=invitation.organization, verb="invitation.revoked", obj=invitation)
    return invitation


def invitation_from_token(token: str, *, lock: bool = False) -> Invitation:
    """The open invitation a link names; ValidationError (code expired/used/revoked/invalid) otherwise."""
    try:
        value = signing.TimestampSigner(salt=INVITATION_SALT).unsign_object(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This invitation link has expired. Ask your Global admin for a new one."), code="expired"
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    if not isinstance(value, dict) or not isinstance(value.get("k"), str):
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    queryset = Invitation.objects.select_related("organization", "invited_by")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        invitation = queryset.get(key=value["k"])
    except (Invitation.DoesNotExist, ValidationError, ValueError):
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    # The link joins exactly the organisation it was issued for.
    if invitation.organization_id != value.get("o"):
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used. Sign in instead."), code="used")
    if invitation.revoked_at is not None:
        raise ValidationError(
            _("This invitation has been withdrawn. Ask your Global admin for a new one."), code="revoked"
        )
    if timezone.now() - invitation.created_at > INVITATION_MAX_AGE:
        raise ValidationError(
            _("This invitation link has expired. Ask your Global admin for a new one."), code="expired"
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, first_name: str, last_name: str, password: str, language: str | None = None
) -> User:
    """The invitee sets a name and a password and joins the invitation's organisation with its roles."""
    invitation = invitation_from_token(token, lock=True)  # the row lock makes the link single use
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("A user with this e-mail address already exists."), code="exists")
    user = User(
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
        organization=invitation.organization,
        language=language or (invitation.invited_by.language if invitation.invited_by else settings.LANGUAGE_CODE),
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    user_roles_set(user=user, roles=invitation.roles)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    activity_record(
        actor=user,
        organization=invitation.organization,
        verb="invitation.accepted",
        obj=user,
        data={"roles": sorted(invitation.roles)},
    )
    return user
