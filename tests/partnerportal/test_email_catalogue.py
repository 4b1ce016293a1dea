"""Every e-mail the portal sends (tests/helpers/emails.py sets each one off): a plain-text and an HTML
part, each recipient's own language, and links that work for the recipient who follows them (issue 22).

A link is absolute, on the configured public address (settings.PORTAL_BASE_URL), and followed with
the test client signed in as the recipient: it answers 200 after its redirects, never by way of the
sign-in page, on the page it names (same view, same object). Two readers follow links signed out: an
invitee (no account yet; the signed invitation link) and a user who forgot the password (the signed
reset link). The billing contact is an address, not a user: it gets no portal link at all, and the
document an e-mail is about comes attached as a PDF in its language (billing.emails). That is the
choice of invoicing products that mail a finance team: the document itself, not a sign-in it lacks.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import resolve

from membership.models import User
from tests.helpers.emails import CONTACT, KINDS, World, sent

pytestmark = pytest.mark.django_db

BASE = "https://partners.example"
TEXT_LINK = re.compile(r"https?://[^\s<>\"']+")
# Followed signed out: the link is what lets a reader without a session in.
SIGNED_OUT = {"invitation", "password_reset"}
# E-mails with nothing to open: the reminder to contact the programme, the staff's reconciliation report.
NO_LINKS = {"competency_reminder", "reconciliation"}
# What the page a link names must show, by view: the page meant, not an error said politely.
PAGE_SHOWS = {
    "subscriptions:pay_now": 'id="pay-now-form"',
    "membership:invitation_accept": 'name="password1"',
    "password_reset_confirm": 'name="new_password1"',
}


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def html_part(message):
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def links_of(message):
    parser = _Hrefs()
    parser.feed(html_part(message))
    return set(TEXT_LINK.findall(message.body)) | set(parser.links)


def test_every_email_template_is_a_kind_the_tests_send():
    """A new e-mail (its ``*_subject.txt``) cannot skip these tests: each template is a kind in the helper."""
    roots = [Path(settings.BASE_DIR) / "templates"] + [
        Path(settings.BASE_DIR) / app / "templates" for app in ("membership", "offers", "billing", "support")
    ]
    templates = {
        str(path.relative_to(root))[: -len("_subject.txt")] for root in roots for path in root.rglob("*_subject.txt")
    }
    assert templates == {kind.template for kind in KINDS.values()}
    for template in templates:  # and each has its three parts
        assert all(any((root / f"{template}{end}").exists() for root in roots) for end in (".txt", ".html"))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("language, contact_language", [("en", "ru"), ("ru", "en")])
def test_each_email_has_text_and_html_in_its_recipients_language(
    kind, language, contact_language, client, stripe_settings
):
    world = World(client, language=language, contact_language=contact_language)
    mail.outbox.clear()
    KINDS[kind].trigger(world)
    messages = sent(kind)
    assert messages, "no %s e-mail was sent" % kind
    assert (CONTACT in {m.to[0] for m in messages}) == KINDS[kind].about_money
    for message in messages:
        reader = contact_language if message.to == [CONTACT] else language
        ours, other = (0, 1) if reader == "en" else (1, 0)
        subject, body, html = message.subject, message.body, html_part(message)
        assert message.content_subtype == "plain" and body.strip()
        assert KINDS[kind].subject[ours] in subject and KINDS[kind].subject[other] not in subject, subject
        for part in (body, html):
            assert KINDS[kind].body[ours] in part and KINDS[kind].body[other] not in part, (message.to, part)
        assert f'<html lang="{reader}"' in html
        if reader == "ru":
            assert "Partner Center" not in body + html  # the portal's name is translated too


def _follow(client, link, user):
    assert link.startswith(BASE + "/"), "%s is not on the configured address %s" % (link, BASE)
    path = link[len(BASE) :]
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(path, follow=True, secure=True)
    chain = [url for url, _status in response.redirect_chain]
    assert response.status_code == 200, (link, response.status_code, chain)
    assert not any("/accounts/login/" in url for url in chain), (link, chain)
    asked, landed = resolve(path), resolve(response.request["PATH_INFO"])
    assert landed.view_name == asked.view_name, (link, chain)
    if asked.view_name == "password_reset_confirm":  # the token moves to the session: same user
        assert landed.kwargs["uidb64"] == asked.kwargs["uidb64"]
    else:
        assert landed.kwargs == asked.kwargs, (link, chain)
    if asked.view_name.endswith("_pdf"):
        assert response["Content-Type"] == "application/pdf"
    else:
        assert PAGE_SHOWS.get(asked.view_name, "<h1") in response.content.decode(), link


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_link_works_for_its_recipient(kind, client, stripe_settings, settings):
    settings.PORTAL_BASE_URL = BASE + "/"  # a configured address, not the host the test client uses
    world = World(client, language="ru", contact_language="en")
    mail.outbox.clear()
    KINDS[kind].trigger(world)
    assert sent(kind)
    followed = 0
    for message in list(mail.outbox):  # the e-mails sent on the way (an order confirmed) as well
        links = links_of(message)
        if message.to == [CONTACT]:
            assert links == set(), links  # nothing a reader who cannot sign in could open
            for name, content, mimetype in message.attachments:
                assert mimetype == "application/pdf" and name[: -len(".pdf")] in message.body
                assert content.startswith(b"%PDF")
            continue
        user = User.objects.filter(email__iexact=message.to[0], is_active=True).first()
        if kind in SIGNED_OUT:
            user = None
        for link in sorted(links):
            _follow(client, link, user)
            followed += 1
    assert bool(followed) == (kind not in NO_LINKS)


@pytest.mark.parametrize("kind", ["order_confirmed", "renewal_succeeded", "request_cancelled"])
def test_the_billing_contact_gets_the_document_attached_instead_of_a_link(kind, client, stripe_settings):
    world = World(client, language="en", contact_language="ru")
    mail.outbox.clear()
    KINDS[kind].trigger(world)
    (to_contact,) = [m for m in sent(kind) if m.to == [CONTACT]]
    ((name, content, mimetype),) = to_contact.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert "(PDF)" in to_contact.body and name[: -len(".pdf")] in to_contact.body
    assert "Здравствуйте" in to_contact.body  # the contact's language, not the users'
    assert not [link for link in links_of(to_contact) if "/" in link]
