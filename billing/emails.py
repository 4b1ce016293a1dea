"""Who receives the e-mails about money, and what they carry for a reader who cannot sign in.

The billing profile may name a billing contact (an address, often a finance team's, with its own
language). It receives invoices, credit notes, receipts and the reminders about payments besides
the organisation's admins. It is not a user, so it cannot follow the portal's links: the document
those e-mails point to comes attached as a PDF instead.
"""

from partnerportal.notifications import Recipient

from . import pdf
from .models import BillingProfile


def billing_contact(*, organization_id) -> Recipient | None:
    """The organisation's billing contact, or None when its profile names none."""
    row = (
        BillingProfile.objects.filter(organization_id=organization_id)
        .exclude(billing_contact_email="")
        .values_list("billing_contact_email", "billing_contact_language")
        .first()
    )
    return None if row is None else Recipient(email=row[0], language=row[1])


def with_billing_contact(recipients, *, organization_id) -> list:
    """The recipients of an e-mail about money, with the billing contact when it is not one of them already."""
    recipients = list(recipients)
    contact = billing_contact(organization_id=organization_id)
    if contact is not None and contact.email.lower() not in {(r.email or "").lower() for r in recipients}:
        recipients.append(contact)
    return recipients


def document_attachments(document, *, credit_note=False):
    """``notify``'s ``attachments_for``: the invoice's or credit note's PDF, in the reader's language,
    for a recipient who cannot sign in to open it; users get the link in the text instead."""

    def attachments(recipient):
        if document is None or getattr(recipient, "pk", None) is not None:
            return []
        content = pdf.document_pdf(None, document, credit_note=credit_note)
        return [("%s.pdf" % document.number, content, "application/pdf")]

    return attachments
