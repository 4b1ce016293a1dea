"""Django's ``makemessages``, which also reads the Jinja2 pages (``<app>/jinja2/``) as Jinja2 reads them.

Django hands every ``.html`` file to its own template lexer, which knows ``{% trans "…" %}`` and
``{% blocktrans %}`` but not Jinja2's ``{% trans %}…{% endtrans %}``: those messages would be left out,
and the next run would mark their translations obsolete. For a file under a ``jinja2`` folder, the
messages are taken from Jinja2's own parse of it (``Environment.extract_translations``, the
environment the pages render with) and written as gettext calls on their lines, which xgettext
reads like any Python file. Everything else is Django's command unchanged.
"""

from pathlib import Path

from django.core.management.commands import makemessages
from django.template import engines

# How each of Jinja2's gettext functions is written for xgettext (the keywords Django passes it).
CALLS = {
    "_": "gettext(%r)",
    "gettext": "gettext(%r)",
    "ngettext": "ngettext(%r, %r, 1)",
    "pgettext": "pgettext(%r, %r)",
    "npgettext": "npgettext(%r, %r, %r, 1)",
}


def jinja_messages_as_python(source):
    """The gettext calls of a Jinja2 template as Python source, each on the line it is on."""
    lines = [""] * (source.count("\n") + 1)
    for lineno, function, message in engines["jinja2"].env.extract_translations(source):
        arguments = message if isinstance(message, tuple) else (message,)
        arguments = tuple(argument for argument in arguments if argument is not None)
        template = CALLS.get(function)
        if template is None or template.count("%r") != len(arguments):
            continue  # a message that is not a constant: nothing to extract
        lines[lineno - 1] += template % arguments + "; "
    return "\n".join(lines)


class BuildFile(makemessages.BuildFile):
    @property
    def is_jinja(self):
        return self.domain == "django" and "jinja2" in Path(self.path).parts[:-1]

    def preprocess(self):
        if not self.is_jinja:
            return super().preprocess()
        with open(self.path, encoding="utf-8") as source:
            content = jinja_messages_as_python(source.read())
        with open(self.work_path, "w", encoding="utf-8") as work:
            work.write(content)


class Command(makemessages.Command):
    build_file_class = BuildFile
