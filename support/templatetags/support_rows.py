"""The rows of Service requests > Partner Center requests, in Python (see offers.templatetags.offer_rows).

A row through the template engine cost ~10 µs a cell; 25 requests of seven cells were most of
the page. The markup is the template's; every value is escaped, the label is the catalogue's.
"""

from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from partnerportal.escaping import escaped_text
from partnerportal.fast_urls import object_url_maker
from partnerportal.formatting import date_formatter
from partnerportal.i18n import gettext

from ..forms import StatusFilterForm

register = template.Library()

REQUEST = (
    '<tr data-number="%(number)s"><td>%(number)s</td><td>%(title)s</td><td>%(problem_type)s</td>'
    '<td>%(severity)s</td><td><span class="badge">%(status)s</span></td><td>%(created)s</td>'
    '<td><a class="button" href="%(url)s">%(open)s</a></td></tr>\n'
)


_text = escaped_text  # every value of a row is escaped


@register.simple_tag
def request_rows(requests):
    """The table rows of the organisation's requests (support.selectors.request_list_page)."""
    open_label = _text(gettext("Open"))
    # Each label translated once per page, not once per row (a lazy label translates on every str()).
    labels = {}

    def label(value):
        if value not in labels:
            labels[value] = _text(value)
        return labels[value]

    created, url = date_formatter("SHORT_DATETIME_FORMAT"), object_url_maker("support:request_detail")
    return mark_safe(
        "".join(
            REQUEST
            % {
                "number": _text(item.number),
                "title": _text(item.title),
                "problem_type": label(item.problem_type_label),
                "severity": label(item.severity_label),
                "status": label(item.status_label),
                "created": _text(created(item.created_at)),
                "url": url(item.pk),
                "open": open_label,
            }
            for item in requests
        )
    )


@lru_cache(maxsize=64)
def _status_options(language, selected):
    return mark_safe(
        "".join(
            '<option value="%s"%s>%s</option>' % (_text(value), " selected" if value == selected else "", _text(label))
            for value, label in StatusFilterForm.base_fields["status"].choices
        )
    )


@register.simple_tag
def status_options(selected):
    """The status filter's options, the chosen one selected: drawn once per (language, choice) in a process."""
    return _status_options(translation.get_language(), selected)


JINJA_GLOBALS = {"request_rows": request_rows, "status_options": status_options}  # for the Jinja2 pages
