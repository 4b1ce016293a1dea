"""The long table of offers' pages row by row in Python: a subscription's timeline.

A row through the template engine cost ~10 µs a cell (variable lookup, filter, localisation,
escaping), so a page of entries took more than the rest of the page; here a row is one string
format (billing.templatetags.billing_rows does the same for Billing history). The markup is the
one the template had; every value is escaped, the labels are the catalogue's (the same msgids), and
dates come from the shared formatter.
"""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from membership.activity_verbs import ACTIVITY_VERBS
from partnerportal.escaping import escaped_text
from partnerportal.formatting import date_formatter
from partnerportal.i18n import gettext, pinned_locale, texts

register = template.Library()

TIMELINE = "<tr><td>%(date)s</td><td>%(who)s</td><td>%(what)s%(detail)s</td></tr>\n"


_text = escaped_text  # every value of a row is escaped


@register.simple_tag
def timeline_rows(entries):
    """The table rows of a subscription's timeline (R13): when, who, what, in the reader's language."""
    labels = {}  # each verb's label, escaped once a page
    portal = _text(gettext(settings.PORTAL_NAME))
    when = date_formatter("DATETIME_FORMAT")
    rows = []
    with pinned_locale():  # each detail says amounts and dates: the language and zone read once
        verbs = texts(ACTIVITY_VERBS)  # the labels in the reader's language, said once a process
        for entry in entries:
            detail = entry.detail
            what = labels.get(entry.verb)
            if what is None:
                what = labels[entry.verb] = _text(verbs.get(entry.verb, entry.verb))
            rows.append(
                TIMELINE
                % {
                    "date": _text(when(entry.created_at)),
                    "who": _text(entry.actor_name) if entry.actor_name else portal,
                    "what": what,
                    "detail": ' <span class="reason">%s</span>' % _text(detail) if detail else "",
                }
            )
    return mark_safe("".join(rows))


JINJA_GLOBALS = {"timeline_rows": timeline_rows}  # for the Jinja2 pages (partnerportal.jinja)
