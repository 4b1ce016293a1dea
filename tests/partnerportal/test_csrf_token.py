"""The Jinja2 pages' CSRF token (partnerportal/csrf.py): Django's masked token, its mask drawn in one system call.

Django's middleware must accept what the pages hand out, refuse a token altered by one character, and
every character of a mask must stay equally likely (a mask with a bias would leak the secret a little
on every page, which is what masking is there to prevent).
"""

import collections
import re

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, _get_new_csrf_string, _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from membership.models import UserSession
from partnerportal import csrf
from tests.factories.membership import UserFactory

TOKEN_IN_PAGE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def test_a_token_unmasks_to_its_secret_and_is_new_each_time():
    secret = _get_new_csrf_string()
    tokens = {csrf.mask_secret(secret) for _ in range(50)}
    assert len(tokens) == 50  # a fresh mask each time
    for token in tokens:
        assert len(token) == 2 * CSRF_SECRET_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret


def test_every_character_of_a_mask_is_equally_likely():
    # 3,000 masks are 96,000 characters, about 1,548 of each of the 62. A mask drawn as byte % 62 gives
    # the first 8 characters 5/256 instead of 4/256 (about 1,875 each): this bound catches it.
    counts = collections.Counter("".join(csrf._mask() for _ in range(3000)))
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 3000 * CSRF_SECRET_LENGTH / len(CSRF_ALLOWED_CHARS)
    assert max(counts.values()) < 1.12 * expected and min(counts.values()) > 0.88 * expected, counts


@pytest.mark.django_db
def test_django_accepts_the_token_a_jinja2_page_hands_out_and_refuses_it_altered(org):
    user = UserFactory(organization=org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(reverse("offers:offer_list"))
    assert page.status_code == 200 and type(page.templates[0]).__module__ == "partnerportal.jinja"
    tokens = TOKEN_IN_PAGE.findall(page.content.decode())
    assert tokens, "the header's Sign out form carries the token"
    assert len(set(tokens)) == 1  # one masked token a page
    token = tokens[0]
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value

    altered = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": altered}).status_code == 403
    assert UserSession.objects.filter(user=user).exists()
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_first_visit_without_a_cookie_gets_a_token_and_its_cookie(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(organization=org))
    page = client.get(reverse("offers:offer_list"))
    token = TOKEN_IN_PAGE.search(page.content.decode()).group(1)
    assert _unmask_cipher_token(token) == page.cookies["csrftoken"].value
