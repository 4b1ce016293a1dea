"""offers.cancellation_page: support tells offers where a cancellation is requested; offers names no support view."""

import pytest
from django.urls import reverse

from offers import cancellation_page

pytestmark = pytest.mark.django_db


def test_support_registers_its_cancellation_request_page():
    assert cancellation_page.url(7) == reverse("support:new_cancellation") + "?subscription=7"


def test_without_a_registration_there_is_no_link(monkeypatch):
    monkeypatch.setattr(cancellation_page, "_url_name", None)
    assert cancellation_page.url(7) is None


def test_a_registered_name_that_does_not_reverse_gives_no_link(monkeypatch):
    monkeypatch.setattr(cancellation_page, "_url_name", "support:no_such_page")
    assert cancellation_page.url(7) is None
