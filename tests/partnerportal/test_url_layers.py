"""No app links to a page of a layer above it by URL name.

import-linter keeps the imports one way (.importlinter's layers contract), but a ``reverse()``, a
``{% url %}`` or a ``page_url`` names a view by string and imports nothing: such an arrow upward
passes ``lint-imports`` unseen. This test reads the URL names every app uses in its Python and
templates, resolves each to the app whose module defines the view, and compares the two with the
layers of ``.importlinter``. ``make lint`` runs it.
"""

import configparser
import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE_SUFFIXES = (".py", ".html", ".txt")
NOT_SOURCE = ("migrations", "locale", "__pycache__", "static")

# The project's composition root names every app's pages by design, as partnerportal/urls.py
# includes every app's URLs by string: the menu lists the apps' pages, the settings say where a
# sign-in lands, and the site-wide templates (header, sign-in and password pages) link to them.
# Every other module of the bottom layer is plumbing and is checked like any app.
COMPOSITION_ROOT = (
    "partnerportal/navigation.py",
    "partnerportal/settings/",
    "partnerportal/urls.py",
    "templates/",
)

_NAME = r"[A-Za-z_][\w-]*(?::[A-Za-z_][\w-]*)*"
# A name given to the functions and tags that turn one into a URL...
_CALL = re.compile(
    r"\b(?:reverse|reverse_lazy|redirect|resolve_url|page_url|object_url|object_url_maker)\(\s*['\"](%s)['\"]" % _NAME
)
_TAG = re.compile(r"\{%%\s*(?:url|page_url|object_url)\s+['\"](%s)['\"]" % _NAME)
# ...and any string that is a namespaced URL name, wherever it is written (a view's success_url,
# a model's get_absolute_url through a helper, a dict of links).
_NAMESPACED = re.compile(r"['\"]([A-Za-z_]\w*(?::[A-Za-z_]\w*)+)['\"]")


def layers():
    """The layers of .importlinter's layers contract, top first."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter:contract:layers"]["layers"].split()


def _view_module(callback):
    """The module that defines a URL pattern's view (a class-based view's class, a ModelAdmin's view)."""
    view = callback
    while True:
        if getattr(view, "view_class", None) is not None:
            return view.view_class.__module__
        if getattr(view, "model_admin", None) is not None:
            return type(view.model_admin).__module__
        owner = getattr(view, "__self__", None)
        if owner is not None and not isinstance(owner, type):
            return type(owner).__module__
        if getattr(view, "__wrapped__", None) is None:
            return view.__module__
        view = view.__wrapped__


def url_owners():
    """{URL name: top-level package of the module that defines its view}, for every named URL."""
    owners = {}

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, ":".join(filter(None, [namespace, entry.namespace])))
            elif isinstance(entry, URLPattern) and entry.name:
                name = "%s:%s" % (namespace, entry.name) if namespace else entry.name
                owners.setdefault(name, _view_module(entry.callback).split(".")[0])

    walk(get_resolver().url_patterns, "")
    return owners


def names_used(text, namespaces):
    """The URL names ``text`` uses: in calls and tags, and as namespaced strings of a known namespace."""
    found = set(_CALL.findall(text)) | set(_TAG.findall(text))
    found |= {name for name in _NAMESPACED.findall(text) if name.split(":")[0] in namespaces}
    return found


def _layer_of(relative):
    top = relative.split("/")[0]
    return "partnerportal" if top == "templates" else top


def source_files():
    """(path relative to the repository, layer) of every Python file and template of the layers' apps."""
    for top in [*layers(), "templates"]:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix not in SOURCE_SUFFIXES or any(part in NOT_SOURCE for part in path.parts):
                continue
            if relative.startswith(COMPOSITION_ROOT):
                continue
            yield relative, _layer_of(relative)


def upward_links(files, owners, order):
    """'file: name -> app' for each URL name a file uses that names a view of a higher layer, or no view."""
    rank = {layer: index for index, layer in enumerate(order)}
    namespaces = {name.split(":")[0] for name in owners if ":" in name}
    problems = []
    for relative, layer, text in files:
        for name in sorted(names_used(text, namespaces)):
            if name not in owners:
                if ":" in name:  # a namespaced name that names nothing (a placeholder has none)
                    problems.append("%s: %s names no view" % (relative, name))
                continue
            target = owners[name]
            # A view outside the layers (Django's own: sign-in, admin index) sits below every app.
            if target in rank and rank[target] < rank[layer]:
                problems.append("%s (%s): %s is a view of %s, a higher layer" % (relative, layer, name, target))
    return problems


def test_the_layers_are_the_importlinter_ones():
    assert layers() == ["support", "offers", "billing", "membership", "partnerportal"]


def test_no_app_links_to_a_view_of_a_higher_layer():
    files = [(relative, layer, (ROOT / relative).read_text(encoding="utf-8")) for relative, layer in source_files()]
    assert len(files) > 100  # the walk found the apps' code and templates

    assert upward_links(files, url_owners(), layers()) == []


def test_every_kind_of_link_upward_is_caught():
    owners = url_owners()
    for text in (
        "{% url 'offers:offer_list' %}",
        '{% page_url "support:request_list" %}',
        "{% object_url 'subscriptions:detail' subscription.pk %}",
        'reverse("offers:offer_list")',
        "reverse_lazy('support:report')",
        'redirect("dashboard:index")',
        'page_url("benefits:list")',
        'object_url_maker("subscriptions:detail")',
        'LINKS = {"next": "offers:offer_list"}',
    ):
        problems = upward_links([("billing/example.py", "billing", text)], owners, layers())
        assert len(problems) == 1 and "a higher layer" in problems[0], text
    # Downward and sideways links are the rule, and names outside the layers sit below them all.
    for text in ("{% url 'billing:history' %}", 'reverse("membership:users")', 'redirect("login")'):
        assert upward_links([("billing/example.py", "billing", text)], owners, layers()) == [], text
    assert upward_links([("billing/example.py", "billing", "reverse('billing:nothing')")], owners, layers()) == [
        "billing/example.py: billing:nothing names no view"
    ]


def test_views_are_owned_by_the_app_that_defines_them():
    owners = url_owners()
    assert owners["billing:history"] == "billing"
    assert owners["billing:receipt"] == "billing"
    assert owners["offers:checkout_review"] == "offers"  # a class-based view
    assert owners["subscriptions:detail"] == "offers"
    assert owners["membership:users"] == "membership"
    assert owners["admin:support_servicerequest_changelist"] == "support"  # a ModelAdmin's view
    assert owners["admin:index"] == "django"
