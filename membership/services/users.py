"""Users and their roles: role changes, deactivation (ending every session), language."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import page_cache

from ..models import Organization, Role, User, UserRole, UserSession
from ..permissions import Action, require
from .activity import activity_record


@transaction.atomic
def user_roles_set(*, user: User, roles) -> None:
    """Replace the user's roles with the given ones (no permission or last-admin check: see member_roles_update)."""
    wanted = {Role(role) for role in roles}
    UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
    existing = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in wanted - existing])
    page_cache.organization_changed(user.organization_id)  # bulk_create sends no post_save
    user._role_cache = None


def user_set_language(*, user: User, language: str) -> User:
    """Save the user's interface language."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user


def _require_again(actor, organization_id):
    """Re-read the actor's roles under the organisation lock: a concurrent change may have just demoted them."""
    actor._role_cache = None
    require(actor, Action.MANAGE_USERS, organization_id=organization_id)


def lock_organization(organization_id) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization_id)


def _other_active_global_admins(organization_id, member) -> bool:
    return (
        User.objects.filter(organization_id=organization_id, is_active=True, roles__role=Role.GLOBAL_ADMIN)
        .exclude(pk=member.pk)
        .exists()
    )


def _last_admin_error():
    return ValidationError(
        _(
            "The last active Global admin cannot be removed, demoted or deactivated. Make another user Global admin first."
        ),
        code="last_global_admin",
    )


@transaction.atomic
def member_roles_update(*, actor: User, member: User, roles) -> User:
    """A Global admin replaces a user's roles; the organisation always keeps an active Global admin."""
    require(actor, Action.MANAGE_USERS, organization_id=member.organization_id)
    wanted = {Role(role) for role in roles}
    # The organisation row lock serialises concurrent demotions, so two admins cannot demote each other.
    lock_organization(member.organization_id)
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
        actor=actor,
        organization=member.organization,
        verb="user.roles_changed",
        obj=member,
        data={"before": sorted(Role(r).value for r in before), "after": sorted(r.value for r in wanted)},
    )
    return member


def sessions_remove_expired() -> int:
    """Delete the sessions past their expiry date (they are refused already; this only frees the rows)."""
    return UserSession.objects.filter(expire_date__lt=timezone.now()).delete()[0]


def user_sessions_end(*, user: User) -> int:
    """Delete every session of the user, so they are signed out everywhere at the next request."""
    return UserSession.objects.filter(user=user).delete()[0]


@transaction.atomic
def member_deactivate(*, actor: User, member: User) -> User:
    """Switch a user off: they can no longer sign in, and their open sessions end now."""
    require(actor, Action.MANAGE_USERS, organization_id=member.organization_id)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."), code="self")
    lock_organization(member.organization_id)
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
        actor=actor,
        organization=member.organization,
        verb="user.deactivated",
        obj=member,
        data={"sessions": ended},
    )
    return member


@transaction.atomic
def member_reactivate(*, actor: User, member: User) -> User:
    require(actor, Action.MANAGE_USERS, organization_id=member.organization_id)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member.is_active:
        return member
    member.is_active = True
    member.save(update_fields=["is_active"])
    activity_record(actor=actor, organization=member.organization, verb="user.reactivated", obj=member)
    return member
