"""R15: an invoice for every paid order and a credit note for every refund, numbered without gaps per
calendar year, with the parties as they were that day; HTML and PDF in the reader's language."""

import datetime
import io
import threading

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from billing.models import BillingProfile, CreditNote, DocumentCounter, Invoice, RefundStatus
from billing.refunds import RefundFailed, refund_create
from billing.services import InvoiceLine, credit_note_issue, document_number_next, invoice_issue
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderStatus
from offers.services import subscription_renew
from partnerportal.money import format_money
from support.models import RefundKind
from tests.factories.billing import DECLINED_CARD, CardFactory, PaymentFactory, RefundFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, cancellation_processed
from tests.helpers.checkout import buy, to_review
from tests.helpers.lifecycle import at

PRICE = 47500
LINE = InvoiceLine(item_code="action-pack", item_name_en="Action Pack", item_name_ru="Пакет Action Pack")


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def buyer(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN])


@pytest.fixture
def buyer_client(client, buyer, stripe_settings):
    client.force_login(buyer)
    return client


def bought(client, offer):
    """Buy through the wizard; returns the paid order and its invoice."""
    order = to_review(client, offer)
    assert buy(client, order)["Location"].endswith("/done/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, Invoice.objects.get(reference=order.number)


def pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Locales write money with (narrow) no-break spaces; the text layer may keep them.
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def money_in(language, amount, currency="USD"):
    with translation.override(language):
        return " ".join(format_money(amount, currency).replace("\xa0", " ").replace("\u202f", " ").split())


# --- issuing -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestInvoiceOfAPaidOrder:
    def test_one_invoice_with_the_facts_of_the_day(self, buyer_client, offer, org, settings):
        order, invoice = bought(buyer_client, offer)
        year = timezone.localdate().year
        assert invoice.number == f"INV-{year}-000001" and (invoice.year, invoice.sequence) == (year, 1)
        assert invoice.organization == org and invoice.payment.reference == order.number
        assert (invoice.amount, invoice.currency) == (order.amount, order.currency) == (PRICE, "USD")
        assert (invoice.item_code, invoice.item_name_en, invoice.item_name_ru) == (
            offer.code,
            offer.name,
            offer.name_ru,
        )
        assert (invoice.term_start, invoice.term_end) == (order.term_start, order.term_end)
        assert (invoice.seller_name, invoice.seller_address, invoice.seller_tax_id) == (
            settings.SELLER_NAME,
            settings.SELLER_ADDRESS,
            settings.SELLER_TAX_ID,
        )
        profile = BillingProfile.objects.get(organization=org)
        assert (invoice.buyer_name, invoice.buyer_street, invoice.buyer_city, invoice.buyer_postal_code) == (
            profile.legal_name,
            profile.street,
            profile.city,
            profile.postal_code,
        )
        assert (invoice.buyer_country, invoice.buyer_tax_id) == ("DE", "DE136695976")
        # Buy again, or a settlement that arrives twice: still one invoice, one number taken.
        buy(buyer_client, order)
        assert invoice_issue(payment=invoice.payment, line=LINE) == invoice
        assert Invoice.objects.count() == 1
        assert DocumentCounter.objects.get(series="INV", year=year).last_sequence == 1

    def test_a_later_change_of_profile_or_seller_leaves_the_invoice_as_it_was(self, buyer_client, offer, org, settings):
        _order, invoice = bought(buyer_client, offer)
        BillingProfile.objects.filter(organization=org).update(legal_name="Renamed AG", tax_id="")
        settings.SELLER_NAME = "Another Seller"
        invoice.refresh_from_db()
        assert invoice.buyer_name == f"{org.name} Ltd." and invoice.buyer_tax_id == "DE136695976"
        assert invoice.seller_name != "Another Seller"
        body = buyer_client.get(invoice.get_absolute_url()).content.decode()
        assert f"{org.name} Ltd." in body and "Renamed AG" not in body

    def test_an_organisation_without_a_profile_is_invoiced_by_its_name(self, db):
        org = OrganizationFactory(name="Northwind", billing_profile=False)
        invoice = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        assert (invoice.buyer_name, invoice.buyer_street, invoice.buyer_tax_id) == ("Northwind", "", "")

    def test_a_failed_charge_issues_nothing(self, buyer_client, offer):
        order = to_review(buyer_client, offer, number=DECLINED_CARD)
        buy(buyer_client, order)
        order.refresh_from_db()
        assert order.status == OrderStatus.FAILED and not Invoice.objects.exists()
        assert not DocumentCounter.objects.exists()


@pytest.mark.django_db
class TestNumbering:
    def test_numbers_run_without_gaps_and_start_again_each_year(self, org):
        with time_machine.travel(datetime.datetime(2026, 12, 31, 12, tzinfo=datetime.UTC), tick=False):
            late = [invoice_issue(payment=PaymentFactory(organization=org), line=LINE) for _ in range(3)]
        with time_machine.travel(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
            early = [invoice_issue(payment=PaymentFactory(organization=org), line=LINE) for _ in range(2)]
        assert [i.number for i in late] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
        assert [i.number for i in early] == ["INV-2027-000001", "INV-2027-000002"]

    def test_a_rolled_back_issue_gives_its_number_back(self, org):
        first = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        with pytest.raises(RuntimeError), transaction.atomic():
            invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
            raise RuntimeError("the settlement failed after the invoice")
        after = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        assert (first.sequence, after.sequence) == (1, 2)
        assert Invoice.objects.count() == 2

    def test_the_database_refuses_a_repeated_number(self, org):
        invoice = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        clone = Invoice.objects.get(pk=invoice.pk)
        clone.pk = None
        clone.number = "INV-COPY"
        clone.payment = PaymentFactory(organization=org)
        clone.reference = clone.payment.reference
        with pytest.raises(IntegrityError), transaction.atomic():
            clone.save()


@pytest.mark.django_db(transaction=True)
def test_the_counter_is_taken_only_inside_a_transaction():
    """Outside one, the counter's lock would end at once and a failed save would leave a gap."""
    with pytest.raises(RuntimeError):
        document_number_next(series="INV", year=2026)
    assert not DocumentCounter.objects.exists()


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_payments_settled_at_the_same_moment_get_consecutive_numbers():
    """Threads issue invoices at once: every number is used once, none is skipped (row lock on PostgreSQL;
    on SQLite writers take turns)."""
    org = OrganizationFactory(name="Contoso")
    payments = [PaymentFactory(organization=org) for _ in range(12)]
    barrier = threading.Barrier(len(payments))
    errors = []

    def issue(payment):
        try:
            barrier.wait()
            with transaction.atomic():
                invoice_issue(payment=payment, line=LINE)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(p,)) for p in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    year = timezone.localdate().year
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 13))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{year}-{n:06d}" for n in range(1, 13)]
    assert DocumentCounter.objects.get(series="INV", year=year).last_sequence == 12


# --- credit notes --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCreditNote:
    def test_a_refund_gets_a_credit_note_referring_to_its_invoice(self, buyer_client, offer, buyer):
        _order, invoice = bought(buyer_client, offer)
        refund = refund_create(payment=invoice.payment, amount=10000, decision_key="partial-1", actor=None)
        assert refund.status == RefundStatus.SUCCEEDED
        note = CreditNote.objects.get(refund=refund)
        year = timezone.localdate().year
        assert note.number == f"CN-{year}-000001" and note.invoice == invoice
        assert (note.amount, note.currency) == (10000, "USD")
        assert (note.buyer_name, note.buyer_tax_id, note.item_name_en) == (
            invoice.buyer_name,
            invoice.buyer_tax_id,
            invoice.item_name_en,
        )
        # The same decision again: no second refund, no second credit note.
        assert refund_create(payment=invoice.payment, amount=10000, decision_key="partial-1") == refund
        second = refund_create(payment=invoice.payment, amount=5000, decision_key="partial-2")
        assert CreditNote.objects.get(refund=second).number == f"CN-{year}-000002"
        assert credit_note_issue(refund=refund) == note

    def test_a_failed_refund_has_no_credit_note(self, buyer_client, offer, settings, localstripe_process):
        _order, invoice = bought(buyer_client, offer)
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
        with pytest.raises(RefundFailed):
            refund_create(payment=invoice.payment, amount=100, decision_key="k-1")
        assert not CreditNote.objects.exists()

    def test_a_payment_from_before_invoices_gets_no_credit_note(self, org):
        refund = RefundFactory(payment=PaymentFactory(organization=org))
        assert credit_note_issue(refund=refund) is None and not DocumentCounter.objects.exists()

    def test_the_cancellation_email_links_the_credit_note(
        self, buyer_client, offer, org, buyer, django_capture_on_commit_callbacks
    ):
        order, invoice = bought(buyer_client, offer)
        request = ServiceRequestFactory(user=buyer, subscription=order.subscription, wants_cancellation=True)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            cancellation_processed(service_request=request, refund_kind=RefundKind.FULL, expected_amount=PRICE)
        note = CreditNote.objects.get(invoice=invoice)
        (email,) = mail.outbox
        assert f"Your credit note {note.number} (PDF): http://" in email.body
        assert email.body.count(note.get_pdf_url()) == 1 and note.get_pdf_url() in email.alternatives[0][0]


# --- e-mails --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_order_confirmation_links_the_invoice(buyer_client, offer, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        _order, invoice = bought(buyer_client, offer)
    (email,) = [m for m in mail.outbox if "confirmed" in m.subject.lower()]
    assert f"Your invoice {invoice.number} (PDF): http://" in email.body
    assert invoice.get_pdf_url() in email.body and invoice.get_pdf_url() in email.alternatives[0][0]


# --- pages: HTML, PDF, history, access --------------------------------------------------------------


@pytest.mark.django_db
class TestDocumentPages:
    def test_the_html_view(self, buyer_client, offer):
        _order, invoice = bought(buyer_client, offer)
        response = buyer_client.get(invoice.get_absolute_url())
        body = response.content.decode()
        assert response.status_code == 200
        assert invoice.number in body and "DE136695976" in body and money_in("en", PRICE) in body
        assert f'href="{invoice.get_pdf_url()}"' in body and "Download (PDF)" in body

    @pytest.mark.parametrize(
        "language, title, item, tax_label",
        [("en", "Invoice", "Microsoft Action Pack", "Tax ID"), ("ru", "Счёт", "Action Pack", "Налоговый номер")],
    )
    def test_the_pdf_in_the_readers_language(
        self, client, offer, org, stripe_settings, language, title, item, tax_label
    ):
        reader = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language=language)
        client.force_login(reader)
        _order, invoice = bought(client, offer)
        response = client.get(invoice.get_pdf_url())
        assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        text = pdf_text(response)
        assert f"{title} {invoice.number}" in text
        assert money_in(language, PRICE) in text
        assert f"{tax_label}: DE136695976" in text  # the buyer's
        assert item in text
        with translation.override(language):
            assert invoice.item_name in text
        if language == "ru":
            assert "Покупатель" in text and "Продавец" in text and "Invoice" not in text
        else:
            assert "Buyer" in text and "Seller" in text

    @pytest.mark.parametrize(
        "language, title, refers", [("en", "Credit note", "Refers to invoice"), ("ru", "Кредит-нота", "К счёту")]
    )
    def test_the_credit_note_pdf(self, client, offer, org, stripe_settings, language, title, refers):
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language=language))
        _order, invoice = bought(client, offer)
        refund = refund_create(payment=invoice.payment, amount=PRICE, decision_key="full")
        note = CreditNote.objects.get(refund=refund)
        text = pdf_text(client.get(note.get_pdf_url()))
        assert f"{title} {note.number}" in text and f"{refers} {invoice.number}" in text
        assert "−" + money_in(language, PRICE) in text and "DE136695976" in text
        html = client.get(note.get_absolute_url()).content.decode()
        assert note.number in html and invoice.number in html

    def test_billing_history_lists_invoices_and_credit_notes(self, buyer_client, offer):
        _order, invoice = bought(buyer_client, offer)
        refund = refund_create(payment=invoice.payment, amount=100, decision_key="small")
        note = refund.credit_note
        body = buyer_client.get(reverse("billing:history")).content.decode()
        for document in (invoice, note):
            assert f'<a href="{document.get_absolute_url()}">{document.number}</a>' in body
            assert f'href="{document.get_pdf_url()}"' in body
        assert body.count("Download (PDF)") == 2

    @pytest.mark.parametrize("documents", [1, 30])
    def test_history_queries_do_not_grow_with_documents(self, client, org, documents, django_assert_num_queries):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        for _ in range(documents):
            invoice = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
            credit_note_issue(refund=RefundFactory(payment=invoice.payment, amount=100))
        client.force_login(admin)
        # the session with its user and roles, payment methods, payments (+invoice, card), refunds (+credit note)
        with django_assert_num_queries(4):
            response = client.get(reverse("billing:history"))
        # The history is paginated: page through it to see every document.
        bodies, page = [response.content.decode()], response.context["page"]
        while page.has_next():
            following = client.get(reverse("billing:history"), {"page": page.next_page_number()})
            bodies.append(following.content.decode())
            page = following.context["page"]
        assert "".join(bodies).count("Download (PDF)") == 2 * documents

    def test_another_organisations_documents_answer_404(self, client, org, db):
        theirs = OrganizationFactory(name="Fabrikam")
        invoice = invoice_issue(payment=PaymentFactory(organization=theirs), line=LINE)
        note = credit_note_issue(refund=RefundFactory(payment=invoice.payment, amount=100))
        client.force_login(UserFactory(organization=org, roles=list(Role.values)))
        for url in (invoice.get_absolute_url(), invoice.get_pdf_url(), note.get_absolute_url(), note.get_pdf_url()):
            assert client.get(url).status_code == 404, url
        assert client.get(reverse("billing:invoice", args=[10**12])).status_code == 404
        assert invoice.number not in client.get(reverse("billing:history")).content.decode()

    @pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN])
    def test_roles_without_billing_history_are_refused(self, client, org, role):
        invoice = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        client.force_login(UserFactory(organization=org, roles=[role]))
        assert client.get(invoice.get_absolute_url()).status_code == 403
        assert client.get(invoice.get_pdf_url()).status_code == 403

    def test_anonymous_is_sent_to_sign_in(self, client, org):
        invoice = invoice_issue(payment=PaymentFactory(organization=org), line=LINE)
        response = client.get(invoice.get_pdf_url())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_automatic_renewal_is_invoiced_and_its_email_links_it(
    org, stripe_settings, django_capture_on_commit_callbacks
):
    subscription = SubscriptionFactory(
        organization=org, start="2026-11-25", payment_method=CardFactory(organization=org)
    )
    mail.outbox.clear()
    with at("2027-11-25"), django_capture_on_commit_callbacks(execute=True):
        assert subscription_renew(subscription_id=subscription.pk, today="2027-11-25").outcome == "renewed"
    order = Order.objects.get(subscription=subscription, kind="auto_renewal")
    invoice = Invoice.objects.get(reference=order.number)
    assert invoice.number == "INV-2027-000001" and invoice.term_start == order.term_start
    renewed = [m for m in mail.outbox if invoice.number in m.body]
    assert len(renewed) == 1 and invoice.get_pdf_url() in renewed[0].body
