"""A session's text is decoded afresh for each request; only its signature check is kept (membership.sessions)."""

import logging

from membership.sessions import SessionStore


def test_each_decode_is_a_fresh_copy_that_a_request_may_change():
    store = SessionStore()
    text = store.encode({"_language": "ru", "wizard": {"step": 1, "seen": ["terms"]}})
    first = store.decode(text)
    first["wizard"]["seen"].append("payment")  # a request changing its session in place
    first["_language"] = "en"
    assert store.decode(text) == {"_language": "ru", "wizard": {"step": 1, "seen": ["terms"]}}


def test_a_tampered_session_is_empty_every_time_and_logged_every_time(caplog):
    store = SessionStore()
    text = store.encode({"_auth_user_id": "1"})
    tampered = text[:-3] + ("AAA" if not text.endswith("AAA") else "BBB")
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousSession"):
        assert store.decode(tampered) == {}
        assert store.decode(tampered) == {}
    assert len([r for r in caplog.records if "corrupted" in r.getMessage()]) == 2


def test_a_session_signed_with_another_salt_is_refused():
    class OtherStore(SessionStore):
        @property
        def key_salt(self):
            return "another.salt"

    text = OtherStore().encode({"_auth_user_id": "1"})
    assert OtherStore().decode(text) == {"_auth_user_id": "1"}
    assert SessionStore().decode(text) == {}


def test_a_session_signed_with_a_key_since_replaced_is_refused(settings):
    store = SessionStore()
    text = store.encode({"_auth_user_id": "1"})
    assert store.decode(text) == {"_auth_user_id": "1"}  # checked, and the check kept
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    assert SessionStore().decode(text) == {}
