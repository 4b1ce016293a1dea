"""Invoices and credit notes (R15): an HTML view and Download (PDF), in the reader's language."""

from django.http import HttpResponse

from membership.decorators import role_required
from membership.permissions import Action

from . import selectors
from .pdf import document_html, document_pdf


def _pdf_response(request, document, *, credit_note):
    response = HttpResponse(document_pdf(request, document, credit_note=credit_note), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="%s.pdf"' % document.number
    return response


@role_required(Action.VIEW_BILLING)
def invoice(request, pk):
    document = selectors.organization_invoice(organization=request.user.organization, pk=pk)
    return HttpResponse(document_html(request, document))


@role_required(Action.VIEW_BILLING)
def invoice_pdf(request, pk):
    document = selectors.organization_invoice(organization=request.user.organization, pk=pk)
    return _pdf_response(request, document, credit_note=False)


@role_required(Action.VIEW_BILLING)
def credit_note(request, pk):
    document = selectors.organization_credit_note(organization=request.user.organization, pk=pk)
    return HttpResponse(document_html(request, document, credit_note=True))


@role_required(Action.VIEW_BILLING)
def credit_note_pdf(request, pk):
    document = selectors.organization_credit_note(organization=request.user.organization, pk=pk)
    return _pdf_response(request, document, credit_note=True)
