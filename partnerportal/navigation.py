"""The portal's left navigation, grouped as Partner Center groups it (product.md, "Layout").

The bottom layer names the apps' pages by URL name only, so it imports none of them. A page the
running code does not have (a URL name that does not reverse) is left out of the menu rather than
breaking every page.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .fast_urls import page_url


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    # Other pages that belong to this entry (a checkout step belongs to Offers). A name ending in
    # ":" stands for every page of that URL namespace.
    also: tuple = ()

    def current(self, view_name):
        """'page' on the entry's own page, 'true' on a page under it, None elsewhere (aria-current)."""
        if not view_name:
            return None
        if view_name == self.url_name:
            return "page"
        for name in self.also:
            if view_name == name or (name.endswith(":") and view_name.startswith(name)):
                return "true"
        return None


@dataclass(frozen=True)
class Group:
    label: str
    url_name: str  # the group's landing page: its title is a link too
    links: tuple = field(default_factory=tuple)


MENU = (
    Link(_("Dashboard"), "dashboard:index"),
    Group(
        _("Partnership"),
        "offers:offer_list",
        (
            Link(_("Offers"), "offers:offer_list", also=("offers:", "subscriptions:")),
            Link(_("Membership"), "dashboard:overview"),
            Link(_("Benefits"), "benefits:list", also=("benefits:",)),
        ),
    ),
    Group(
        _("Billing"),
        "billing:history",
        (
            Link(_("Billing profile"), "billing:profile", also=("billing:profile_edit",)),
            Link(
                _("Payment methods"),
                "billing:payment_methods",
                also=("billing:payment_method_add", "billing:payment_method_default", "billing:payment_method_remove"),
            ),
            Link(
                _("Billing history"),
                "billing:history",
                also=(
                    "billing:receipt",
                    "billing:reconciliation_csv",
                    "billing:invoice",
                    "billing:invoice_pdf",
                    "billing:credit_note",
                    "billing:credit_note_pdf",
                ),
            ),
        ),
    ),
    Group(
        _("Support"),
        "support:report",
        (
            Link(
                _("Report problems with Partner Center"),
                "support:report",
                also=("support:request_new", "support:new_cancellation"),
            ),
            Link(
                _("Service requests"),
                "support:request_list",
                also=("support:request_detail", "support:request_reply", "support:attachment_download"),
            ),
        ),
    ),
    Group(
        _("Settings"),
        "membership:users",
        (
            Link(
                _("Users"),
                "membership:users",
                also=(
                    "membership:invite",
                    "membership:user_detail",
                    "membership:user_roles",
                    "membership:user_deactivate",
                    "membership:user_reactivate",
                    "membership:invitation_revoke",
                ),
            ),
            Link(_("Activity log"), "membership:activity", also=("membership:activity_export",)),
        ),
    ),
)


@dataclass
class Entry:
    label: str
    url: str
    current: str | None = None
    links: list = field(default_factory=list)

    @property
    def open(self):
        """A group holding the current page (its title is styled as the active section)."""
        return any(link.current for link in self.links)


def _url(name):
    # Reversed once per process: every page draws the menu's fourteen links (partnerportal.fast_urls).
    return page_url(name)


def _entry(link, view_name):
    url = _url(link.url_name)
    return Entry(link.label, url, link.current(view_name)) if url else None


def navigation(view_name):
    """The menu for a page whose URL name is view_name: Entry rows, groups with their links."""
    entries = []
    for item in MENU:
        if isinstance(item, Link):
            entry = _entry(item, view_name)
            if entry:
                entries.append(entry)
            continue
        links = [entry for link in item.links if (entry := _entry(link, view_name))]
        url = _url(item.url_name)
        if links and url:
            entries.append(Entry(item.label, url, links=links))
    return entries
