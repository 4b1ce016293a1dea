"""partnerportal.escaping: the rows drawn in Python escape every value as the rest of the page does."""

import html

import pytest

from partnerportal.escaping import escaped_text

TEXTS = ['<script>alert("x")</script>', "Tom & Jerry's", "a > b", "plain", "", "Ünïcødé ₽ ••4242", "&amp;"]


@pytest.mark.parametrize("text", TEXTS)
def test_escaped_text_reads_back_as_the_value_and_has_no_markup_left(text):
    escaped = escaped_text(text)
    assert html.unescape(escaped) == text
    assert not set("<>\"'") & set(escaped)
    assert (
        escaped.replace("&amp;", "")
        .replace("&lt;", "")
        .replace("&gt;", "")
        .replace("&#34;", "")
        .replace("&#39;", "")
        .count("&")
        == 0
    )  # every & is the start of one of the five escapes


def test_escaped_text_writes_other_values_as_text_and_none_as_percent_s_does():
    assert escaped_text(42) == "42"
    assert escaped_text(None) == "None"
    assert type(escaped_text("<b>")) is str  # text, not Markup: the rows are joined and marked safe once
