"""Invoices and credit notes as HTML and PDF: one template, rendered by WeasyPrint for the PDF.

WeasyPrint draws text with Debian's Pango; the Makefile installs it and fonts with Cyrillic
(DejaVu). The document fetches nothing: its style is inline and the URL fetcher refuses every
URL, so rendering never reaches the network or the file system.
"""

from django.template.loader import render_to_string
from django_countries import countries
from weasyprint import HTML

TEMPLATE = "billing/documents/document.html"


def _refuse(url, *args, **kwargs):
    raise ValueError("invoice documents load nothing: %s" % url)


def document_context(document, *, credit_note=False, for_pdf=False):
    return {
        "document": document,
        "is_credit_note": credit_note,
        "invoice": document.invoice if credit_note else document,
        "buyer_country_name": countries.name(document.buyer_country) if document.buyer_country else "",
        "seller_address_lines": document.seller_address.replace("\\n", "\n").splitlines(),
        "for_pdf": for_pdf,
    }


def document_html(request, document, *, credit_note=False, for_pdf=False) -> str:
    return render_to_string(
        TEMPLATE, document_context(document, credit_note=credit_note, for_pdf=for_pdf), request=request
    )


def document_pdf(request, document, *, credit_note=False) -> bytes:
    """The same page as the HTML view, without its links, as PDF bytes in the active language."""
    html = document_html(request, document, credit_note=credit_note, for_pdf=True)
    return HTML(string=html, url_fetcher=_refuse).write_pdf()
