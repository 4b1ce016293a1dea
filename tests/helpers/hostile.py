"""Hostile input for R17: hypothesis strategies for ids, query strings and form bodies, and the forms of each URL.

The form fields a URL takes are read from the pages themselves (every <form> the portal renders,
keyed by the URL it posts to), and each field's kind from the portal's form classes, so a new
form or field is exercised the day it is added.
"""

import html
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from django import forms
from django.contrib.auth import forms as auth_forms
from django.urls import Resolver404, resolve
from hypothesis import strategies as st

import billing.forms
import membership.forms
import offers.benefit_forms
import offers.subscription_forms
import support.forms
from tests.factories.membership import PASSWORD

FORM_MODULES = [membership.forms, billing.forms, offers.benefit_forms, offers.subscription_forms, support.forms]
AUTH_FORMS = [
    auth_forms.AuthenticationForm,
    auth_forms.PasswordChangeForm,
    auth_forms.PasswordResetForm,
    auth_forms.SetPasswordForm,
]

HUGE = ["9" * 19, "9" * 20, str(2**63), str(2**63 - 1), str(2**64), "1" + "0" * 40]
UNICODE_DIGITS = ["٣", "²", "①", "３", "߃", "𝟘"]
EDGE_DATES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "1899-12-31",
    "3000-01-01",
    "2024-02-30",
    "2024-13-01",
    "0000-00-00",
    "-2024-01-01",
    "9999-12-31T23:59:59",
    "31.12.9999",
    "12/31/9999",
]
REDIRECT_TARGETS = [
    "dashboard",
    "logout",
    "dashboard:index",
    "admin:index",
    "offers:offer_list",
    "/",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1",
    "/membership/dashboard/",
    "http:/evil.example",
]
SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "+1",
    "1.5",
    "1e9",
    "0x10",
    "NaN",
    "inf",
    "true",
    "null",
    "None",
    "[]",
    "{}",
    "%",
    "'",
    '"',
    "<script>",
    "\x00",
    "\u202e",
    "🙂",
    "Ⅻ",
    *HUGE,
    *UNICODE_DIGITS,
    *EDGE_DATES,
    *REDIRECT_TARGETS,
]

# Keys a view may read from a query string or a body besides its form's fields.
GENERIC_KEYS = [
    "next",
    "back",
    "start",
    "end",
    "date",
    "subscription",
    "order",
    "page",
    "p",
    "add",
    "status",
    "assignee",
    "age",
    "q",
    "o",
    "e",
    "all",
    "_changelist_filters",
    "created_at__year",
    "created_at__month",
    "created_at__day",
    "created_at__gte",
    "created_at__lt",
    "id",
    "pk",
    "action",
    "_selected_action",
    "index",
    "select_across",
    "refund_kind",
    "expected_amount",
    "confirm",
    "language",
]


def hostile_text():
    """A value that might upset a parser: specials, Unicode, huge and negative numbers, long strings."""
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.text(max_size=40),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=22),
        st.integers(min_value=1, max_value=6000).map(lambda n: "x" * n),
    )


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def id_text(pool):
    """An id: a real id of the world, the same in Unicode digits, or something that is not an id."""
    real = [str(pk) for pk in pool]
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from([pk.translate(ARABIC_INDIC) for pk in real] + ["²", "9" * 20]),
        st.sampled_from(SPECIAL),
        hostile_text(),
    )


def _emails():
    # Lengths around the model's 254 and the form's old 320 first: the ones that crashed.
    lengths = st.one_of(st.sampled_from([243, 250, 308, 1]), st.integers(min_value=1, max_value=340))
    return lengths.map(lambda n: "e" * n + "@example.com")


def _field_strategy(field, pool):
    if isinstance(field, forms.EmailField):
        return st.one_of(_emails(), hostile_text())
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField included
        return id_text(pool)
    if isinstance(field, forms.ChoiceField):  # MultipleChoiceField, TypedChoiceField included
        values = [str(value) for value, _label in field.choices if value != ""]
        return st.one_of(st.sampled_from(values or [""]), hostile_text())
    if isinstance(field, forms.DateField):
        return st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(str), hostile_text())
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "false", "0", "1", "True"])
    if isinstance(field, forms.CharField):
        limit = (field.max_length or 300) + 2
        around = st.integers(min_value=0, max_value=limit).map(lambda n: "y" * n)
        return st.one_of(st.just(PASSWORD), around, hostile_text())
    return hostile_text()


def field_strategies(pool):
    """Field name -> value strategy, for every field of the portal's forms and Django's auth forms."""
    result = {}
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            result.setdefault(name, _field_strategy(field, pool))
    return result


ID_KEYS = {"subscription", "order", "assignee", "id", "pk", "_selected_action", "user", "payment_method"}
ID_KEYS |= {"expected_amount", "page", "p"}


def key_value_pairs(field_names, strategies, pool, max_extra=3):
    """Pairs for a query string or a body: each field missing, once or repeated; plus a few stray keys."""

    def value_for(name):
        if name in ("next", "back", "_changelist_filters"):
            return st.one_of(st.sampled_from(REDIRECT_TARGETS), hostile_text())
        if name in strategies:
            return strategies[name]
        if name in ("start", "end", "date") or "__year" in name or "__month" in name or "__day" in name:
            return st.one_of(st.sampled_from(EDGE_DATES + ["9999", "0", "99", "9" * 20]), hostile_text())
        if name in ID_KEYS:
            return id_text(pool)
        return hostile_text()

    @st.composite
    def build(draw):
        pairs = []
        for name in sorted(field_names):
            copies = draw(st.sampled_from([1, 1, 1, 0, 2]))
            pairs += [(name, draw(value_for(name))) for _ in range(copies)]
        for _ in range(draw(st.integers(min_value=0, max_value=max_extra))):
            name = draw(st.one_of(st.sampled_from(GENERIC_KEYS), st.text(min_size=1, max_size=10)))
            pairs.append((name, draw(value_for(name))))
        return pairs

    return build()


def encode(pairs) -> str:
    return urlencode(pairs)


ROUTE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def fill_route(route, values) -> str:
    """The path of a route with each <converter:name> replaced by values[name] (percent-encoded)."""
    return "/" + ROUTE_ARGUMENT.sub(lambda m: quote(values[m.group("name")], safe=""), route)


def route_arguments(route) -> list[str]:
    return [m.group("name") for m in ROUTE_ARGUMENT.finditer(route)]


# --- the forms each URL takes, read from the rendered pages -------------------------------------

_FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
_ACTION = re.compile(r"""\baction\s*=\s*["']([^"']*)["']""", re.I)
_LINK = re.compile(r"""\bhref\s*=\s*["']([^"'#]*\?[^"'#]*)["']""", re.I)
_NAME = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*\bname\s*=\s*["']([^"']+)["']""", re.I)


_METHOD = re.compile(r"""\bmethod\s*=\s*["']?post""", re.I)


class Harvest(dict):
    """URL name -> {"get": field names, "post": field names, "path": a path of it that answered}."""

    def entry(self, name):
        return self.setdefault(name, {"get": set(), "post": set(), "path": None})

    def merge(self, other):
        for name, found in other.items():
            mine = self.entry(name)
            mine["get"] |= found["get"]
            mine["post"] |= found["post"]
            mine["path"] = mine["path"] or found["path"]


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


def harvest_forms(client, paths) -> Harvest:
    """The forms and links found on the pages at ``paths``, by the URL they send to."""
    found = Harvest()
    for path in paths:
        response = client.get(path)
        match = _resolve(path)
        if match and response.status_code < 400:
            found.entry(match.view_name)["path"] = found.entry(match.view_name)["path"] or path
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode(errors="replace")
        for form in _FORM.finditer(page):
            action = _ACTION.search(form.group("attrs"))
            target = urlsplit(html.unescape(action.group(1)) if action and action.group(1) else path).path
            match = _resolve(target)
            if match is None:
                continue
            names = {name for name in _NAME.findall(form.group("body")) if name != "csrfmiddlewaretoken"}
            entry = found.entry(match.view_name)
            entry["post" if _METHOD.search(form.group("attrs")) else "get"] |= names
            entry["path"] = entry["path"] or target
        for link in _LINK.findall(page):  # query-string parameters the pages link with (filters, ?subscription=)
            parts = urlsplit(html.unescape(link))
            match = _resolve(parts.path or urlsplit(path).path)
            if match is not None:
                found.entry(match.view_name)["get"] |= {key for key, _value in parse_qsl(parts.query)}
    return found


# --- one field at a time: a plausible form with one hostile value -------------------------------


# Plausible values of fields that belong to no form class (read straight from request.POST).
BASELINES = {"refund_kind": "none", "confirm": "1", "post": "yes", "expected_amount": "0", "next": "/", "back": "/"}


def baseline_value(name, field, pool):
    """A value the form would accept, so the one hostile field next to it reaches the code behind."""
    if name in BASELINES:
        return BASELINES[name]
    if isinstance(field, forms.EmailField):
        return "new-user@example.com"
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.ModelChoiceField):
        return str(pool[0])
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _label in field.choices if value != ""]
        return values[0] if values else ""
    if isinstance(field, forms.DateField):
        return "2024-01-31"
    if isinstance(field, forms.CharField):
        return PASSWORD if "password" in name else "Ann"
    return "1"


def dangerous_values(name, field, pool):
    """The few values of each kind that broke something once: edges, Unicode digits, non-paths."""
    real = str(pool[-1])
    ids = [real.translate(ARABIC_INDIC), "²", "9" * 20, "-1"]
    if name in ("next", "back", "_changelist_filters"):
        return ["dashboard", "logout", "//evil.example/"]
    if isinstance(field, forms.EmailField):
        return ["e" * 243 + "@example.com", "e" * 308 + "@example.com", "²@example.com"]
    if isinstance(field, forms.DateField) or name in ("start", "end", "date") or "__" in name:
        return ["9999-12-31", "0001-01-01", "9" * 20, "²"]
    if isinstance(field, forms.ModelChoiceField) or name in ID_KEYS:
        return ids
    if isinstance(field, forms.BooleanField):
        return ["²"]
    if isinstance(field, forms.ChoiceField):
        return ["²", "x" * 300]
    if isinstance(field, forms.CharField):
        limit = field.max_length or 300
        return ["y" * limit, "y" * (limit + 1), "\x00", "٣"]
    return ["²", "9" * 20, ""]


def form_fields(pool):
    """Field name -> form field, for every field of the portal's forms and Django's auth forms."""
    result = {}
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            result.setdefault(name, field)
    return result


def _form_classes():
    return [
        cls
        for module in FORM_MODULES
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ] + AUTH_FORMS
