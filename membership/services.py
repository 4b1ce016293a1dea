"""Writes for organisations, users and roles, invitations, competencies and the activity log."""

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal.notifications import Recipient, notify

from .models import (
    ActivityEntry,
    Competency,
    CompetencyReminder,
    Invitation,
    Organization,
    Role,
    User,
    UserRole,
)
from .permissions import Action, require
from .selectors import organization_users_with_roles

NETWORK_AGREEMENT_VERSION = "2026-01"
INVITATION_SALT = "membership.invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=7)
COMPETENCY_REMINDER_DAYS = 30


# --- activity log -----------------------------------------------------------------------------

def activity_record(*, actor, organization, verb: str, obj=None, detail: str = "") -> ActivityEntry:
    """Append who did what to which object; call it inside the write's transaction."""
    entry = ActivityEntry(
        organization=organization,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb[:60],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=(detail or "")[:500],
    )
    entry.save()
    return entry


# --- organisations ----------------------------------------------------------------------------

@transaction.atomic
def organization_enrol(*, organization: Organization, user: User) -> Organization:
    """Record the network agreement acceptance; enrolment gives Network membership."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.is_network_member:
        return organization
    organization.network_agreement_version = NETWORK_AGREEMENT_VERSION
    organization.network_agreement_accepted_at = timezone.now()
    organization.network_agreement_accepted_by = user
    organization.full_clean()
    organization.save()
    activity_record(
        actor=user, organization=organization, verb="organization.enrolled", obj=organization,
        detail=f"Network agreement {NETWORK_AGREEMENT_VERSION} accepted",
    )
    return organization


@transaction.atomic
def organization_sign_up(
    *, organization_name: str, first_name: str, last_name: str, email: str, password: str, language: str = "en"
) -> User:
    """Create an organisation with its first user as Global admin, and enrol it in the network."""
    organization = Organization(name=organization_name)
    organization.full_clean()
    organization.save()
    user = User(
        email=User.objects.normalize_email(email).lower(),
        first_name=first_name,
        last_name=last_name,
        organization=organization,
        language=language,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    user_roles_set(user=user, roles=[Role.GLOBAL_ADMIN])
    activity_record(actor=user, organization=organization, verb="organization.signed_up", obj=organization)
    organization_enrol(organization=organization, user=user)
    return user


# --- users and roles --------------------------------------------------------------------------

@transaction.atomic
def user_roles_set(*, user: User, roles) -> None:
    """Replace the user's roles with the given ones (no permission or last-admin check: see member_roles_update)."""
    wanted = {Role(role) for role in roles}
    UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
    existing = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in wanted - existing])
    user._role_cache = None


def user_set_language(*, user: User, language: str) -> User:
    """Save the user's interface language."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user


def _require(actor, action, organization_id):
    """Refuse unless the actor may take the action in that organisation (the views check too)."""
    require(actor, action, organization_id=organization_id)


def _require_again(actor, organization_id):
    """Re-read the actor's roles under the organisation lock: a concurrent change may have just demoted them."""
    actor._role_cache = None
    _require(actor, Action.MANAGE_USERS, organization_id)


def _lock_organization(organization_id) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization_id)


def _other_active_global_admins(organization_id, member) -> bool:
    return (
        User.objects.filter(organization_id=organization_id, is_active=True, roles__role=Role.GLOBAL_ADMIN)
        .exclude(pk=member.pk)
        .exists()
    )


def _last_admin_error():
    return ValidationError(
        _("The last active Global admin cannot be removed, demoted or deactivated. Make another user Global admin first."),
        code="last_global_admin",
    )


def _roles_label(roles) -> str:
    return ", ".join(str(Role(role).label) for role in Role.values if role in set(roles)) or "—"


@transaction.atomic
def member_roles_update(*, actor: User, member: User, roles) -> User:
    """A Global admin replaces a user's roles; the organisation always keeps an active Global admin."""
    _require(actor, Action.MANAGE_USERS, member.organization_id)
    wanted = {Role(role) for role in roles}
    # The organisation row lock serialises concurrent demotions, so two admins cannot demote each other.
    _lock_organization(member.organization_id)
    _require_again(actor, member.organization_id)
    member = User.objects.get(pk=member.pk)
    before = member.role_set()
    if (
        Role.GLOBAL_ADMIN in before
        and Role.GLOBAL_ADMIN not in wanted
        and member.is_active
        and not _other_active_global_admins(member.organization_id, member)
    ):
        raise _last_admin_error()
    if before == wanted:
        return member
    user_roles_set(user=member, roles=wanted)
    activity_record(
        actor=actor, organization=member.organization, verb="user.roles_changed", obj=member,
        detail=f"{_roles_label(before)} → {_roles_label(wanted)}",
    )
    return member


def session_store(session_key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def user_sessions_end(*, user: User) -> int:
    """Delete every stored session of the user, so they are signed out everywhere at once."""
    ended = 0
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == user_id:
            # Through the session engine, so a cached copy of the session goes too.
            session_store(session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def member_deactivate(*, actor: User, member: User) -> User:
    """Switch a user off: they can no longer sign in, and their open sessions end now."""
    _require(actor, Action.MANAGE_USERS, member.organization_id)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."), code="self")
    _lock_organization(member.organization_id)
    _require_again(actor, member.organization_id)
    member = User.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        return member
    if Role.GLOBAL_ADMIN in member.role_set() and not _other_active_global_admins(member.organization_id, member):
        raise _last_admin_error()
    member.is_active = False
    member.save(update_fields=["is_active"])
    ended = user_sessions_end(user=member)
    activity_record(
        actor=actor, organization=member.organization, verb="user.deactivated", obj=member,
        detail=f"{ended} session(s) ended",
    )
    return member


@transaction.atomic
def member_reactivate(*, actor: User, member: User) -> User:
    _require(actor, Action.MANAGE_USERS, member.organization_id)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member.is_active:
        return member
    member.is_active = True
    member.save(update_fields=["is_active"])
    activity_record(actor=actor, organization=member.organization, verb="user.reactivated", obj=member)
    return member


# --- invitations ------------------------------------------------------------------------------

def invitation_token(invitation: Invitation) -> str:
    """The signed, timestamped value of the invitation link; it names the key and the organisation."""
    return signing.TimestampSigner(salt=INVITATION_SALT).sign_object(
        {"k": str(invitation.key), "o": invitation.organization_id}
    )


def invitation_url(invitation: Invitation, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("membership:invitation_accept", args=[invitation_token(invitation)])


def _invitation_send(invitation_id: int, base_url: str) -> None:
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
    )


@transaction.atomic
def invitation_create(*, actor: User, email: str, roles, base_url: str) -> Invitation:
    """A Global admin invites someone by e-mail into the admin's own organisation with chosen roles."""
    _require(actor, Action.MANAGE_USERS, actor.organization_id)
    email = User.objects.normalize_email(email).strip().lower()
    wanted = sorted({Role(role).value for role in roles})
    if not wanted:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    organization = _lock_organization(actor.organization_id)
    # Inviting the same address again replaces the earlier link.
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = Invitation(organization=organization, email=email, roles=wanted, invited_by=actor, created_at=now)
    invitation.full_clean()
    invitation.save()
    activity_record(
        actor=actor, organization=organization, verb="invitation.sent", obj=invitation,
        detail=f"Roles: {_roles_label(wanted)}",
    )
    transaction.on_commit(lambda: _invitation_send(invitation.pk, base_url))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _require(actor, Action.MANAGE_USERS, invitation.organization_id)
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
        raise ValidationError(_("This invitation link has expired. Ask your Global admin for a new one."), code="expired")
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
        raise ValidationError(_("This invitation has been withdrawn. Ask your Global admin for a new one."), code="revoked")
    if timezone.now() - invitation.created_at > INVITATION_MAX_AGE:
        raise ValidationError(_("This invitation link has expired. Ask your Global admin for a new one."), code="expired")
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
        actor=user, organization=invitation.organization, verb="invitation.accepted", obj=user,
        detail=f"Roles: {_roles_label(invitation.roles)}",
    )
    return user


# --- competencies -----------------------------------------------------------------------------

def _add_year(day: datetime.date) -> datetime.date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def competency_grant(*, actor, competency: Competency) -> Competency:
    """Staff grant a competency (from admin); the activity log keeps who granted it."""
    if competency.granted_by_id is None and getattr(actor, "is_authenticated", False):
        competency.granted_by = actor
    competency.full_clean()
    competency.save()
    activity_record(
        actor=actor, organization=competency.organization, verb="competency.granted", obj=competency,
        detail=f"Expires on {competency.expires_on}",
    )
    return competency


@transaction.atomic
def competency_renew(*, actor, competency: Competency, today: datetime.date | None = None) -> Competency:
    """Extend a competency by a year from its end date (or from today when it has lapsed)."""
    today = today or timezone.localdate()
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    base = competency.expires_on if competency.is_current(today) else today
    competency.expires_on = _add_year(base)
    competency.expired_at = None
    competency.full_clean()
    competency.save(update_fields=["expires_on", "expired_at"])
    activity_record(
        actor=actor, organization=competency.organization, verb="competency.renewed", obj=competency,
        detail=f"Expires on {competency.expires_on}",
    )
    return competency


@transaction.atomic
def competency_expire(*, actor, competency: Competency) -> Competency:
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    if competency.expired_at is not None:
        return competency
    competency.expired_at = timezone.now()
    competency.save(update_fields=["expired_at"])
    activity_record(actor=actor, organization=competency.organization, verb="competency.expired", obj=competency)
    return competency


def competencies_expire_lapsed(*, today: datetime.date | None = None) -> int:
    """Mark every competency past its end date as expired (the daily task)."""
    today = today or timezone.localdate()
    lapsed = Competency.objects.filter(expired_at__isnull=True, expires_on__lt=today)
    count = 0
    for competency in lapsed.iterator():
        competency_expire(actor=None, competency=competency)
        count += 1
    return count


def _competency_reminder_send(reminder_id: int) -> None:
    reminder = CompetencyReminder.objects.select_related("competency__organization").get(pk=reminder_id)
    competency = reminder.competency
    notify(
        template="membership/email/competency_reminder",
        recipients=organization_users_with_roles(
            organization_id=competency.organization_id, roles=[Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN]
        ),
        context={"competency": competency, "expires_on_iso": reminder.expires_on.isoformat()},
    )


def competencies_send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """E-mail the organisation once, 30 days before a competency expires (a reminder row per expiry date)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=COMPETENCY_REMINDER_DAYS)
    due = Competency.objects.filter(expired_at__isnull=True, expires_on__gte=today, expires_on__lte=horizon)
    sent = 0
    for competency in due.iterator():
        with transaction.atomic():
            reminder, created = CompetencyReminder.objects.get_or_create(
                competency=competency, expires_on=competency.expires_on
            )
            if created:
                transaction.on_commit(lambda pk=reminder.pk: _competency_reminder_send(pk))
                activity_record(
                    actor=None, organization=competency.organization, verb="competency.reminder_sent",
                    obj=competency, detail=f"Expires on {competency.expires_on}",
                )
                sent += 1
    return sent
