"""``{% load portal_i18n %}``: Django's ``i18n`` library, with ``{% trans "literal" %}`` looked up once per language.

The portal's templates load it instead of ``i18n``. Every tag and filter is Django's own; only a
``trans`` of a constant string, with no filter, no ``noop``, no ``as`` and at most a constant
``context``, keeps its text per (language, autoescape) on its node. That text depends on nothing else: the catalogues are read once per process by Django
as well. A page has twenty such tags, and each one went through the variable resolver, gettext's
thread-local lookups and escaping on every request. Anything else renders as Django renders it.
"""

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class LiteralTranslateNode(django_i18n.TranslateNode):
    """A ``trans`` of a constant message: Django's rendering, kept per (language, autoescape)."""

    def __init__(self, node):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.token = getattr(node, "token", None)
        self.texts = {}

    def render(self, context):
        key = (translation.get_language(), context.autoescape)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = super().render(context)
        return text


def _is_constant(expression):
    if expression is None:
        return True
    variable = expression.var
    literal = isinstance(variable, str) or (isinstance(variable, Variable) and variable.literal is not None)
    return literal and not expression.filters


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    if node.noop or node.asvar or not _is_constant(node.filter_expression) or not _is_constant(node.message_context):
        return node
    return LiteralTranslateNode(node)
