"""{% load portal_i18n %}: Django's i18n tags, with a constant {% trans %} looked up once per language."""

from django.template import Context, Template
from django.utils import translation


def test_a_constant_trans_follows_the_active_language_both_ways():
    template = Template('{% load portal_i18n %}{% trans "Offers" %}')
    with translation.override("ru"):
        russian = template.render(Context())
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("ru"):
        again = template.render(Context())
    assert english == "Offers"
    assert russian == again == "Предложения"


def test_every_form_renders_as_django_renders_it_in_both_languages():
    sources = [
        '{% trans "Offers" %}',
        '{% trans "Tom & Jerry" %}{% autoescape off %}{% trans "Tom & Jerry" %}{% endautoescape %}',
        "{% trans word %}",
        '{% trans "Offers" noop %}',
        '{% trans "Offers" as title %}[{{ title }}]',
        '{% trans "Offers" context "unknown context" %}',
        "{% blocktrans %}Offers{% endblocktrans %}",
        '{{ _("Offers")|lower }}',
    ]
    for language in ("en", "ru", "en"):
        with translation.override(language):
            for source in sources:
                values = Context({"word": "Dashboard"})
                expected = Template("{% load i18n %}" + source).render(values)
                assert Template("{% load portal_i18n %}" + source).render(values) == expected, (language, source)


def test_a_trans_of_a_variable_is_looked_up_on_every_render():
    template = Template("{% load portal_i18n %}{% trans word %}")
    with translation.override("ru"):
        assert template.render(Context({"word": "Offers"})) == "Предложения"
        assert template.render(Context({"word": "Dashboard"})) == translation.gettext("Dashboard")
