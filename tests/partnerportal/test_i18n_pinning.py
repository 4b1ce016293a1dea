"""partnerportal.i18n: the reader's language pinned around a long table, and lazy labels said once per language."""

import datetime
import zoneinfo

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from partnerportal.formatting import date_text
from partnerportal.i18n import current_language, current_zone, gettext, pinned_locale, texts
from partnerportal.money import format_money

LABELS = {"offers": gettext_lazy("Offers")}


def test_pinned_locale_speaks_the_language_and_zone_of_its_start_and_lets_go_after():
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    with translation.override("ru"), timezone.override(zoneinfo.ZoneInfo("Europe/Moscow")):
        with pinned_locale():
            assert current_language() == "ru" and str(current_zone()) == "Europe/Moscow"
            assert gettext("Offers") == "Предложения"
            assert (
                format_money(4200000, "RUB")
                == format_money(4200000, "RUB", language="ru")
                != format_money(4200000, "RUB", language="en")
            )
            pinned = date_text(moment, "DATE_FORMAT")
        assert pinned == date_text(moment, "DATE_FORMAT")  # the same text as unpinned
        assert pinned.startswith("2 ")  # 02:30 on 2 March in Moscow
    with translation.override("en"):
        assert current_language() == "en"
        assert gettext("Offers") == "Offers"
        assert date_text(moment, "DATE_FORMAT") != pinned


def test_texts_translates_a_dict_of_lazy_labels_once_per_language():
    with translation.override("ru"):
        assert texts(LABELS) == {"offers": "Предложения"}
    with translation.override("en"):
        assert texts(LABELS) == {"offers": "Offers"}
    with translation.override("ru"), pinned_locale():
        assert texts(LABELS)["offers"] == "Предложения"


def test_texts_says_a_registry_again_once_it_has_grown():
    # ACTIVITY_VERBS grows as each app registers its verbs: a label added after a first read is said too.
    registry = {"offers": gettext_lazy("Offers")}
    with translation.override("ru"):
        assert texts(registry) == {"offers": "Предложения"}
        registry["billing"] = gettext_lazy("Billing")
        assert texts(registry)["billing"] == translation.gettext("Billing") != "Billing"
