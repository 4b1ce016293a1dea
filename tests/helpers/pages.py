"""Read a rendered page as a browser would: the text of chosen elements, and what a form posts back.

Small on purpose: html.parser from the standard library, for the portal's own well-formed templates.
"""

import re
from html.parser import HTMLParser

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Text on either side of these reads as separate words (a browser puts cells and blocks apart).
SEPARATING = {"br", "div", "h1", "h2", "h3", "li", "ol", "p", "section", "table", "td", "th", "tr", "ul"}


def squash(text):
    """Whitespace runs as one space, trimmed: the text as a reader sees it."""
    return " ".join(text.split())


class _ElementTexts(HTMLParser):
    def __init__(self, matches):
        super().__init__(convert_charrefs=True)
        self.matches = matches
        self.depth = 0
        self.open = []  # [depth, parts] of each matching element not closed yet
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag in SEPARATING:
            self.handle_data(" ")
        if tag in VOID_ELEMENTS:
            return
        self.depth += 1
        if self.matches(tag, dict(attrs)):
            self.open.append([self.depth, []])

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        if tag in SEPARATING:
            self.handle_data(" ")
        while self.open and self.open[-1][0] >= self.depth:
            self.texts.append(squash("".join(self.open.pop()[1])))
        self.depth -= 1

    def handle_data(self, data):
        for _depth, parts in self.open:
            parts.append(data)


def texts(html, tag=None, **attrs):
    """The text of every element with these attributes (``class_`` matches one of its classes), in order.

    texts(html, "tr", class_="payment") → one string per billing history row;
    texts(html, id="request-status") → ["Open"]. ``data_testid`` stands for data-testid.
    """
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}

    def matches(element, element_attrs):
        if tag is not None and element != tag:
            return False
        for name, value in wanted.items():
            if name == "class":
                if value not in (element_attrs.get("class") or "").split():
                    return False
            elif element_attrs.get(name) != value:
                return False
        return True

    parser = _ElementTexts(matches)
    parser.feed(html)
    parser.close()
    return parser.texts


def text(html, tag=None, **attrs):
    """The text of the one element with these attributes (fails when there is none, or more than one)."""
    found = texts(html, tag, **attrs)
    assert len(found) == 1, "expected one <%s %s>, found %d: %r" % (tag or "*", attrs, len(found), found)
    return found[0]


class _FormFields(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = form_id is None
        self.fields = []  # (name, value) pairs, as the browser would send them
        self.select = None  # [name, multiple, options, selected]
        self.textarea = None  # [name, parts]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self.select = [name, "multiple" in attrs, [], []]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select[2].append(value)
            if "selected" in attrs:
                self.select[3].append(value)
        elif tag == "textarea" and name:
            self.textarea = [name, []]

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None:
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, multiple, options, selected = self.select
            if not selected and not multiple and options:
                selected = options[:1]  # a single select sends its first option when none is marked
            self.fields.extend((name, value) for value in selected)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            self.fields.append((name, "".join(parts).removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)


def form_data(html, form_id=None):
    """What a browser would post back from the form (by id; default: every form field on the page), unchanged.

    A dict of lists, ready for the test client; inline formsets' ``__prefix__`` templates are left out.
    """
    parser = _FormFields(form_id)
    parser.feed(html)
    parser.close()
    data = {}
    for name, value in parser.fields:
        if "__prefix__" not in name:
            data.setdefault(name, []).append(value)
    return data


CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def without_csrf_tokens(html):
    """The page with its CSRF token values blanked: the token is masked afresh on every request."""
    return CSRF_VALUE.sub(r"\1\2", html)
