"""The billing profile's billing contact and purchase-order number: validated, kept in each document's
snapshot, printed on invoices from the next one on, and the contact receives the e-mails about money
in its own language, with the document attached (it cannot sign in to follow a link)."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from billing.emails import billing_contact, with_billing_contact
from billing.models import BillingProfile, CreditNote, Invoice
from billing.services import billing_profile_save
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.emails import send_lifecycle_email
from support.models import RefundKind
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, cancellation_processed
from tests.helpers.checkout import buy, to_review

PROFILE = {
    "legal_name": "Contoso Ltd",
    "street": "1 Main St",
    "city": "Dublin",
    "postal_code": "",
    "country": "IE",
    "tax_id": "",
}


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def buyer(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language="en")


@pytest.fixture
def buyer_client(client, buyer, stripe_settings):
    client.force_login(buyer)
    return client


def save_profile(org, actor, **fields):
    return billing_profile_save(organization=org, actor=actor, **{**PROFILE, **fields})


def bought(client, offer):
    order = to_review(client, offer)
    assert buy(client, order)["Location"].endswith("/done/")
    order.refresh_from_db()
    return Invoice.objects.get(reference=order.number), order


def pdf_text(content):
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.mark.django_db
class TestTheProfileFields:
    def test_a_purchase_order_and_a_contact_are_kept_as_written(self, org, buyer):
        profile = save_profile(
            org,
            buyer,
            purchase_order="  PO-2026/0042  ",
            billing_contact_email="Finance@Contoso.example",
            billing_contact_language="ru",
        )
        profile.refresh_from_db()
        assert profile.purchase_order == "PO-2026/0042"
        assert profile.billing_contact_email == "finance@contoso.example"
        assert profile.billing_contact_language == "ru"

    @pytest.mark.parametrize(
        "value, message",
        [
            ("<script>", "A purchase-order number has up to 35 letters"),
            ("PO\t42;", "A purchase-order number has up to 35 letters"),
            ("-PO42", "A purchase-order number has up to 35 letters"),
            ("PO;42", "A purchase-order number has up to 35 letters"),
            ("X" * 36, "Ensure this value has at most 35 characters"),
        ],
    )
    def test_a_purchase_order_it_cannot_print_is_refused_next_to_its_field(self, buyer_client, org, value, message):
        before = BillingProfile.objects.get(organization=org).purchase_order
        response = buyer_client.post(reverse("billing:profile"), {**PROFILE, "purchase_order": value})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert BillingProfile.objects.get(organization=org).purchase_order == before

    def test_a_contact_that_is_not_an_address_is_refused_in_russian(self, buyer_client, buyer, org):
        buyer.language = "ru"
        buyer.save()
        response = buyer_client.post(reverse("billing:profile"), {**PROFILE, "billing_contact_email": "finance@"})
        assert response.status_code == 400
        assert "Введите правильный адрес электронной почты." in response.content.decode()
        assert BillingProfile.objects.get(organization=org).billing_contact_email == ""

    def test_the_form_saves_both_and_shows_them(self, buyer_client, org, client_for):
        data = {**PROFILE, "purchase_order": "PO 7", "billing_contact_email": "ap@contoso.example"}
        response = buyer_client.post(reverse("billing:profile"), {**data, "billing_contact_language": "ru"})
        assert response.status_code == 302
        page = buyer_client.get(reverse("billing:profile")).content.decode()
        assert 'value="PO 7"' in page and 'value="ap@contoso.example"' in page
        reader = client_for(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]))
        summary = reader.get(reverse("billing:profile")).content.decode()  # read-only for this role
        assert '<dd id="profile-purchase-order">PO 7</dd>' in summary
        assert '<dd id="profile-billing-contact">ap@contoso.example (Russian)</dd>' in summary


@pytest.mark.django_db
class TestDocuments:
    def test_the_po_is_printed_from_the_next_invoice_on_and_kept_in_each_snapshot(
        self, buyer_client, offer, org, buyer
    ):
        save_profile(org, buyer)
        first, order = bought(buyer_client, offer)
        assert first.purchase_order == ""
        save_profile(org, buyer, purchase_order="PO-77", billing_contact_email="ap@contoso.example")
        first.refresh_from_db()
        assert first.purchase_order == "" and first.buyer_contact_email == ""  # issued before: unchanged
        assert "Purchase order" not in buyer_client.get(first.get_absolute_url()).content.decode()
        # The next invoice (cancel, then buy again) carries the PO, on its page and in its PDF.
        request = ServiceRequestFactory(user=buyer, subscription=order.subscription, wants_cancellation=True)
        cancellation_processed(service_request=request, refund_kind=RefundKind.FULL, expected_amount=order.amount)
        note = CreditNote.objects.get(invoice=first)
        assert note.purchase_order == "" and note.buyer_contact_email == ""  # a credit note repeats its invoice
        second, _order = bought(buyer_client, offer)
        assert second.purchase_order == "PO-77" and second.buyer_contact_email == "ap@contoso.example"
        assert (
            'id="purchase-order">Purchase order: PO-77' in buyer_client.get(second.get_absolute_url()).content.decode()
        )
        pdf = buyer_client.get(reverse("billing:invoice_pdf", args=[second.pk])).content
        assert "Purchase order: PO-77" in pdf_text(pdf)


@pytest.mark.django_db
class TestMoneyEmails:
    def test_the_order_confirmation_reaches_the_contact_in_its_language_with_the_invoice_attached(
        self, buyer_client, offer, org, buyer, django_capture_on_commit_callbacks, settings
    ):
        settings.CELERY_TASK_ALWAYS_EAGER = True
        save_profile(org, buyer, billing_contact_email="ap@contoso.example", billing_contact_language="ru")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invoice, _order = bought(buyer_client, offer)
        confirmations = {m.to[0]: m for m in mail.outbox if invoice.number in m.body}
        assert set(confirmations) == {buyer.email, "ap@contoso.example"}
        to_buyer, to_contact = confirmations[buyer.email], confirmations["ap@contoso.example"]
        assert invoice.get_pdf_url() in to_buyer.body and not to_buyer.attachments
        assert f"Ваш счёт {invoice.number} приложен (PDF)." in to_contact.body
        assert "http" not in to_contact.body and "href" not in to_contact.alternatives[0][0]
        ((name, content, mimetype),) = to_contact.attachments
        assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
        assert "Счёт" in pdf_text(content)  # the PDF in the contact's language too

    def test_a_contact_who_is_also_an_admin_gets_one_email(self, org, buyer):
        save_profile(org, buyer, billing_contact_email=buyer.email.upper())
        assert [r.email for r in with_billing_contact([buyer], organization_id=org.pk)] == [buyer.email]

    def test_no_contact_no_extra_recipient(self, org, buyer):
        save_profile(org, buyer)
        assert billing_contact(organization_id=org.pk) is None
        assert with_billing_contact([buyer], organization_id=org.pk) == [buyer]

    def test_the_reminders_about_money_reach_the_contact_and_the_others_do_not(self, org, buyer):
        UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        save_profile(org, buyer, billing_contact_email="ap@contoso.example", billing_contact_language="ru")
        subscription = SubscriptionFactory(organization=org)
        mail.outbox.clear()
        send_lifecycle_email(template="upcoming_renewal", subscription_id=subscription.pk)
        to_contact = [m for m in mail.outbox if m.to == ["ap@contoso.example"]]
        assert len(to_contact) == 1 and len(mail.outbox) >= 3  # the admins too
        body = to_contact[0].body
        assert "контакт для счетов" in body and subscription.get_absolute_url() not in body
        mail.outbox.clear()
        send_lifecycle_email(template="expiry_reminder", subscription_id=subscription.pk, extra={"days_left": 7})
        assert mail.outbox and all(m.to != ["ap@contoso.example"] for m in mail.outbox)

    def test_the_cancellation_reaches_the_contact_with_the_credit_note(
        self, buyer_client, offer, org, buyer, django_capture_on_commit_callbacks
    ):
        save_profile(org, buyer, billing_contact_email="ap@contoso.example")
        invoice, order = bought(buyer_client, offer)
        request = ServiceRequestFactory(user=buyer, subscription=order.subscription, wants_cancellation=True)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            cancellation_processed(service_request=request, refund_kind=RefundKind.FULL, expected_amount=order.amount)
        note = CreditNote.objects.get(invoice=invoice)
        (to_contact,) = [m for m in mail.outbox if m.to == ["ap@contoso.example"]]
        assert f"Your credit note {note.number} is attached (PDF)." in to_contact.body
        assert "organisation's subscription" in to_contact.body and "http" not in to_contact.body
        assert [name for name, _content, _type in to_contact.attachments] == [f"{note.number}.pdf"]
        (to_requester,) = [m for m in mail.outbox if m.to == [buyer.email]]
        assert note.get_pdf_url() in to_requester.body and not to_requester.attachments
