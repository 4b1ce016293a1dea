"""Billing history's long table row by row in Python: each payment and its refunds.

A row through the template engine cost ~10 µs a cell (variable lookup, filter, localisation,
escaping), so 25 payments with their refunds took more than the rest of the page; here a row is
one string format. The markup is the one the template had; every value is escaped, the labels are
the catalogue's (the same msgids), and dates and amounts come from the shared formatters.
"""

from django import template
from django.utils.safestring import mark_safe

from partnerportal.escaping import escaped_text
from partnerportal.formatting import date_formatter
from partnerportal.i18n import gettext, pinned_locale
from partnerportal.money import format_money

register = template.Library()

PAYMENT = (
    '<tr class="payment"><td>%(date)s</td><td>%(reference)s</td><td>%(offer)s</td><td>%(amount)s</td>'
    "<td>%(card)s</td><td>%(status)s</td><td>%(document)s</td><td>%(receipt)s</td></tr>\n"
)
REFUND = (
    '<tr class="refund"><td>%(date)s</td><td>%(reference)s</td><td>%(refund)s</td><td>−%(amount)s</td>'
    "<td></td><td>%(status)s</td><td>%(document)s</td><td></td></tr>\n"
)
DOCUMENT = (
    '<span class="document"><a href="%(url)s">%(number)s</a> · '
    '<a href="%(pdf_url)s" class="download-pdf" aria-label="%(label)s">%(download)s</a></span>'
)


_text = escaped_text  # every value of a row is escaped


def _document(document, download, label):
    if not document:
        return ""
    number = _text(document["number"])
    return DOCUMENT % {
        "url": _text(document["url"]),
        "number": number,
        "pdf_url": _text(document["pdf_url"]),
        "label": label % {"number": number},
        "download": download,
    }


@register.simple_tag
def payment_rows(payments):
    """The table rows of Billing history's payments (billing.selectors.billing_history_page) and their refunds."""
    with pinned_locale():  # an amount and a date a row: the language and zone read once
        return _payment_rows(payments)


def _payment_rows(payments):
    download, receipt, refund_label = (
        _text(gettext("Download (PDF)")),
        _text(gettext("Receipt")),
        _text(gettext("Refund")),
    )
    # The label's number is put in escaped; the translated text is escaped once, here.
    download_label = _text(gettext("Download %(number)s (PDF)"))
    day, labels = date_formatter("DATE_FORMAT"), {}

    def label(value):  # each status translated once per page, not once per row
        if value not in labels:
            labels[value] = _text(value)
        return labels[value]

    rows = []
    for payment in payments:
        reference = _text(payment["reference"])
        last4 = payment["payment_method__last4"]
        rows.append(
            PAYMENT
            % {
                "date": _text(day(payment["created_at"])),
                "reference": reference,
                "offer": _text(payment["offer_name"]),
                "amount": _text(format_money(payment["amount"], payment["currency"])),
                "card": "••" + _text(last4) if last4 else "",
                "status": label(payment["status_label"]),
                "document": _document(payment["document"], download, download_label),
                "receipt": '<a href="%s">%s</a>' % (_text(payment["receipt_url"]), receipt)
                if payment["receipt_url"]
                else "",
            }
        )
        for refund in payment["refunds"]:
            rows.append(
                REFUND
                % {
                    "date": _text(day(refund["created_at"])),
                    "reference": reference,
                    "refund": refund_label,
                    "amount": _text(format_money(refund["amount"], refund["currency"])),
                    "status": label(refund["status_label"]),
                    "document": _document(refund["document"], download, download_label),
                }
            )
    return mark_safe("".join(rows))


JINJA_GLOBALS = {"payment_rows": payment_rows}  # for the Jinja2 pages (partnerportal.jinja)
