"""Jinja2 for the hot pages: Offers, subscription details, Billing history, the requests list, the dashboard.

Every signed-in view of these pages renders them afresh when the page cache misses (product.md R18:
the cache only multiplies a fast page), and Django's template engine was 40-45 % of such a page:
each node resolves its variables through a chain of lookups, contexts and localisation. Jinja2
compiles a template to Python once, so the same markup costs a fraction (the closing note of issue
18 has the profile). Every other template stays Django's; both engines share the same helpers
(partnerportal.templatetags.portal and the apps' row modules), the same catalogues and the same
context processors.

How the pages say things, with Django's meaning kept:
- ``{{ _("Text") }}`` is ``{% trans "Text" %}``: the translation, escaped.
- ``{% trans name=value %}... {{ name }} ...{% endtrans %}`` is ``{% blocktrans with name=value %}``:
  the translation kept as written, each value escaped; with ``{% pluralize %}`` it is ``count``. The
  msgids are Django's own ("%(name)s"), so the catalogues are shared, and ``makemessages`` finds
  them through partnerportal's ``makemessages`` command, which reads these templates with Jinja2.
- ``{{ csrf_field() }}`` is ``{% csrf_token %}``, with the page's one masked token.
"""

from importlib import import_module

import jinja2
from django.dispatch import Signal
from django.template import TemplateDoesNotExist, TemplateSyntaxError, defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.utils import translation
from jinja2 import nodes, pass_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from . import fast_urls, i18n

# What Django's test client listens to for ``response.context`` (django.test.signals.template_rendered):
# looked up when a template renders, so production never imports the test framework.
_template_rendered = None


def _rendered_signal() -> Signal | None:
    global _template_rendered
    if _template_rendered is None:
        import sys

        signals = sys.modules.get("django.test.signals")
        if signals is None:
            return None
        _template_rendered = signals.template_rendered
    return _template_rendered


@pass_context
def csrf_field(context):
    """The hidden CSRF input of a form, with the page's token (one masked token a page)."""
    return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="%s">') % str(context["csrf_token"])


class _ConstantMessages(NodeTransformer):
    """Writes each constant message of a template in one language: ``_("Text")``, ``gettext("Text")``
    (what a ``{% trans %}`` block compiles to; its values are still put in, escaped, when the page is
    drawn) and ``pgettext("context", "Text")`` become their translation, which Jinja2 then escapes
    and joins to the template's text when it compiles it."""

    def __init__(self, language):
        self.language = language

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if (
            isinstance(node.node, nodes.Name)
            and node.node.name in _FOLDED_CALLS
            and len(node.args) == _FOLDED_CALLS[node.node.name]
            and all(isinstance(argument, nodes.Const) and isinstance(argument.value, str) for argument in node.args)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            function = translation.pgettext if node.node.name == "pgettext" else translation.gettext
            with translation.override(self.language):
                text = function(*[argument.value for argument in node.args])
            return nodes.Const(text, lineno=node.lineno, environment=node.environment)
        return node


# The calls whose constant arguments are a message: name -> number of arguments.
_FOLDED_CALLS = {"_": 1, "gettext": 1, "pgettext": 2}


class Environment(jinja2.Environment):
    """Jinja2's environment. An overlay made for one language (``Jinja2.environment_for``) compiles
    each template with its constant messages already in that language: a page says 20 to 40 of them,
    each a call, a catalogue lookup and an escape on every request (about 1.5 µs), for a text that
    depends only on the language. Catalogues are read once per process, as Django reads them."""

    language = None  # the base environment's templates say their messages when drawn

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        if self.language:
            tree = _ConstantMessages(self.language).visit(tree)
        return tree


def environment(*, helpers=(), **options):
    """The Jinja2 environment: Django's gettext (old style: a translation is trusted as written, its
    values are escaped, as blocktrans does), and the helpers each listed module offers in
    ``JINJA_GLOBALS`` and ``JINJA_FILTERS``. The modules are named in settings, so partnerportal does
    not import the apps above it (the layers of .importlinter)."""
    options["keep_trailing_newline"] = True  # as Django's templates end
    # A name the view did not give is empty, as in Django's templates, in development too (Django's
    # backend would show "{{ name }}" there, so a page would read differently in dev and production).
    options["undefined"] = jinja2.Undefined
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(
        i18n.gettext, translation.ngettext, newstyle=False, pgettext=i18n.pgettext, npgettext=translation.npgettext
    )
    # The extension's ``_`` reads the context on every call, and a call made where a block has set
    # variables builds a new context each time: ``_`` is ``gettext`` itself (and per page, bound to
    # the page's language, in Template.render).
    env.globals["_"] = i18n.gettext
    env.globals["csrf_field"] = csrf_field
    env.filters["title"] = defaultfilters.title  # Django's (Python's str.title), not Jinja2's word split
    for path in helpers:
        module = import_module(path)
        env.globals.update(getattr(module, "JINJA_GLOBALS", {}))
        env.filters.update(getattr(module, "JINJA_FILTERS", {}))
    return env


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        # The page's language, time zone, URLconf and script prefix read once, not per phrase, date
        # and link: Django keeps each in a thread-local (~2.5 µs a read), and nothing a page draws
        # switches them (a helper that did would have to say so outside these pins).
        with i18n.pinned_locale(), fast_urls.pinned_url_key():
            return self._render(context, request)

    def _render(self, context, request):
        context = {} if context is None else context
        if request is not None:
            context["request"] = request
            context["csrf_input"] = django_jinja2.csrf_input_lazy(request)
            for context_processor in self.backend.template_context_processors:
                context.update(context_processor(request))
        context["gettext"] = context["_"] = i18n.gettext_in(i18n.current_language())
        signal = _rendered_signal()
        if signal is not None and signal.has_listeners():
            # The test client's ``response.context``, as Django's own templates send it in tests.
            signal.send(sender=self, template=self, context=dict(context))
        try:
            return self.template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            error = TemplateSyntaxError(exc.args)
            error.template_debug = django_jinja2.get_exception_info(exc)
            raise error from exc


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, whose templates tell the test client what they rendered (as Django's
    templates do) and whose ``csrf_token`` is left to the context processor settings list
    (``django.template.context_processors.csrf``): masked once a page, where Django's Jinja2 backend
    masks it again on every use."""

    def __init__(self, params):
        super().__init__(params)
        self._by_language = {}

    def environment_for(self, language):
        """The environment whose templates are compiled in ``language`` (an overlay of ``self.env``:
        the same loader, globals and filters, its own compiled templates)."""
        if not language:
            return self.env
        env = self._by_language.get(language)
        if env is None:
            env = self.env.overlay()
            env.language = language
            self._by_language[language] = env
        return env

    def from_string(self, template_code):
        return Template(self.environment_for(i18n.current_language()).from_string(template_code), self)

    def get_template(self, template_name):
        env = self.environment_for(i18n.current_language())
        try:
            return Template(env.get_template(template_name), self)
        except jinja2.TemplateNotFound as exc:
            raise TemplateDoesNotExist(exc.name, backend=self) from exc
        except jinja2.TemplateSyntaxError as exc:
            error = TemplateSyntaxError(exc.args)
            error.template_debug = django_jinja2.get_exception_info(exc)
            raise error from exc
