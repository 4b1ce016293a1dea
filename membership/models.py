"""Organisations, their users and roles, network enrolment and competencies."""

import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .activity_verbs import ACTIVITY_VERBS, activity_text


class Organization(models.Model):
    """A partner company; network membership is its enrolment in the program."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    network_agreement_version = models.CharField(_("network agreement version"), max_length=20, blank=True)
    network_agreement_accepted_at = models.DateTimeField(_("network agreement accepted at"), null=True, blank=True)
    network_agreement_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("network agreement accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=64, blank=True)

    page_cache_owner = "pk"

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="org_enrolment_complete",
                condition=(
                    models.Q(network_agreement_accepted_at__isnull=True)
                    | models.Q(network_agreement_accepted_by__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_network_member(self):
        return self.network_agreement_accepted_at is not None


class Role(models.TextChoices):
    """Partner Center roles (product.md R2)."""

    GLOBAL_ADMIN = "global_admin", _("Global admin")
    BILLING_ADMIN = "billing_admin", _("Billing admin")
    ACCOUNT_ADMIN = "account_admin", _("Account admin")
    MPN_PARTNER_ADMIN = "mpn_partner_admin", _("MPN partner admin")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("The e-mail address must be set")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


def person_name(first_name, last_name, email):
    """How the portal names a person: their full name, else their e-mail address (User.display_name)."""
    return ("%s %s" % (first_name, last_name)).strip() or email


class User(AbstractUser):
    """A person who signs in with an e-mail address; partners belong to one organisation."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    page_cache_owner = "organization_id"
    page_cache_owner_can_move = True  # staff move users between organisations in the admin
    page_cache_unseen_fields = ("last_login",)  # a sign-in changes no page

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    @property
    def display_name(self):
        return person_name(self.first_name, self.last_name, self.email)

    def role_set(self):
        """The user's roles as a set; cached for the request, since templates ask often."""
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("role", flat=True))
            self._role_cache = cached
        return cached


class UserRole(models.Model):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    page_cache_owner = "user.organization_id"

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}"


class CompetencyLevel(models.TextChoices):
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")


class SolutionArea(models.TextChoices):
    CLOUD_PLATFORM = "cloud_platform", _("Cloud Platform")
    CLOUD_PRODUCTIVITY = "cloud_productivity", _("Cloud Productivity")
    APPLICATION_DEVELOPMENT = "application_development", _("Application Development")
    DATA_ANALYTICS = "data_analytics", _("Data Analytics")
    SECURITY = "security", _("Security")
    ERP = "erp", _("Enterprise Resource Planning")


class Competency(models.Model):
    """A Silver or Gold competency in a solution area, earned and granted by staff."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="competencies"
    )
    solution_area = models.CharField(_("solution area"), max_length=40, choices=SolutionArea.choices)
    level = models.CharField(_("level"), max_length=10, choices=CompetencyLevel.choices)
    granted_on = models.DateField(_("granted on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when staff expire it early or the daily task finds it lapsed; a renewal clears it.
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["solution_area"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "solution_area"], name="competency_one_per_area"),
            models.CheckConstraint(
                name="competency_expires_after_grant", condition=models.Q(expires_on__gt=models.F("granted_on"))
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_solution_area_display()}"

    def is_current(self, today=None):
        return self.expired_at is None and self.expires_on >= (today or timezone.localdate())


class Invitation(models.Model):
    """A Global admin's invitation to join one organisation with chosen roles; the link is signed and used once."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    # A list of Role values; a JSON list keeps the invitation one row.
    roles = models.JSONField(_("roles"), default=list)
    # The signed link carries this random key, not the sequential id.
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("joined as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organisation; a new one needs the old one revoked.
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_org",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None

    def role_labels(self):
        return [str(Role(role).label) for role in Role.values if role in self.roles]


class ActivityEntry(models.Model):
    """Who did what to which object, and when; written by services, never edited.

    The one log of facts: the organisation's activity log shows every entry, and an object's own
    history (a subscription's timeline) is the entries about that object.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verb = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A snapshot of the object's name, so the entry still reads well once the object changes or goes.
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # Facts, not a sentence (R16); ``detail`` renders them per reader (membership.activity_verbs).
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="activity_org_created_idx"),
            # One object's history, newest first (a subscription's timeline): the page reads it in
            # this order, so the index serves both the lookup and the sort.
            models.Index(fields=["object_type", "object_id", "-created_at", "-id"], name="activity_object_created_idx"),
        ]

    def __str__(self):
        return f"{self.verb} {self.object_repr}"

    @property
    def verb_label(self):
        return ACTIVITY_VERBS.get(self.verb, self.verb)

    @property
    def detail(self) -> str:
        """The entry's facts as a phrase in the active language."""
        return activity_text(self.verb, self.data)

    @detail.setter
    def detail(self, text: str):
        # Free text, kept as written (shown as-is).
        self.data = {**(self.data or {}), "text": str(text)[:500]}


class CompetencyReminder(models.Model):
    """The e-mail sent 30 days before a competency expires; once per expiry date."""

    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.CASCADE, related_name="reminders"
    )
    expires_on = models.DateField(_("expires on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    page_cache_owner = "competency.organization_id"

    class Meta:
        verbose_name = _("competency reminder")
        verbose_name_plural = _("competency reminders")
        constraints = [
            models.UniqueConstraint(fields=["competency", "expires_on"], name="competency_reminder_once"),
        ]

    def __str__(self):
        return f"{self.competency} ({self.expires_on})"


class UserSession(AbstractBaseSession):
    """A signed-in browser: Django's session row, with its user as a column.

    The column lets one query read the session with its user, roles and data versions on every
    request (membership.sessions), and lets "sign out everywhere" delete a user's sessions by key.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        # The store of settings.SESSION_ENGINE (membership.sessions, which reads this model), found
        # the way Django's SessionMiddleware finds it.
        return import_module(settings.SESSION_ENGINE).SessionStore
