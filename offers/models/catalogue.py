"""The offer catalogue: offers, their benefits, versioned terms and acceptances of them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.models import Organization
from partnerportal.i18n import localized_value
from partnerportal.page_cache import CATALOGUE


class LocalizedFieldsMixin:
    """Pick the Russian column when the active language is Russian and it is filled in."""

    def localized(self, field):
        return localized_value(getattr(self, field), getattr(self, f"{field}_ru", ""))


class Offer(LocalizedFieldsMixin, models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    price_amount = models.PositiveIntegerField(_("price in minor units"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    term_months = models.PositiveSmallIntegerField(_("term in months"), default=12)
    requires_network_membership = models.BooleanField(_("requires network membership"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    page_cache_owner = CATALOGUE

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(name="offer_currency_iso", condition=models.Q(currency__regex=r"^[A-Z]{3}$")),
            models.CheckConstraint(name="offer_term_positive", condition=models.Q(term_months__gt=0)),
        ]

    def __str__(self):
        return self.name


class BenefitKind(models.TextChoices):
    TOOLS = "tools", _("Developer tools")
    LICENSE = "license", _("Licenses")
    ACCOUNT = "account", _("Account")
    SEAT = "seat", _("Seats")
    CREDIT = "credit", _("Monthly credit")


class OfferBenefit(LocalizedFieldsMixin, models.Model):
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="benefits")
    code = models.SlugField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=BenefitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    unit_ru = models.CharField(_("unit (Russian)"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    page_cache_owner = CATALOGUE

    class Meta:
        verbose_name = _("offer benefit")
        verbose_name_plural = _("offer benefits")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["offer", "code"], name="benefit_code_unique_per_offer")]

    def __str__(self):
        return self.name


class OfferTerms(LocalizedFieldsMixin, models.Model):
    """One published version of the terms for internal-use rights; acceptances point at a version."""

    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="terms_versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    body_ru = models.TextField(_("body (Russian)"), blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    page_cache_owner = CATALOGUE

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["offer", "-version"]
        get_latest_by = "version"
        constraints = [models.UniqueConstraint(fields=["offer", "version"], name="terms_version_unique")]

    def __str__(self):
        return f"{self.offer} – v{self.version}"


class TermsAcceptance(models.Model):
    """A user's acceptance of one terms version, with when and from where."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    terms = models.ForeignKey(OfferTerms, verbose_name=_("terms"), on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        ordering = ["-accepted_at"]

    def __str__(self):
        return f"{self.user} accepted {self.terms}"
