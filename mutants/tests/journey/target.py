"""Where the journey runs: a base URL, manage.py commands against the target's database, its e-mails.

Two kinds of target, one interface (JourneyTarget):

* InProcessTarget: pytest-django's live_server in this process. manage() calls call_command, and
  e-mails come from django.core.mail.outbox (the test settings' locmem backend).
* SubprocessTarget: a separate server process, e.g. the production-like stack of scripts/prod-stack.sh.
  manage() runs `.venv/bin/python manage.py ...` as a subprocess with the stack's environment, and
  e-mails are read from the file backend's folder (EMAIL_BACKEND=django.core.mail.backends.filebased
  .EmailBackend, EMAIL_FILE_PATH=<dir>), newest .log file first.

The journey only uses base_url, manage() and mail_to(), so it cannot tell the two apart.
"""

import contextlib
import email
import email.policy
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
MANAGE_PY = REPO_ROOT / "manage.py"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
# Django's file backend ends every message with a line of 79 dashes.
FILE_BACKEND_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


class MailNotFound(AssertionError):
    pass


class JourneyTarget:
    """A running portal the journey drives: base_url, manage(*args) and mail_to(address)."""

    base_url: str
    mail_timeout = 30.0  # seconds; a worker may send the e-mail a little after the page answered

    def manage(self, *args: str) -> str:
        """Run a manage.py command against the target's database and environment; return its stdout."""
        raise NotImplementedError

    def latest_mail_body(self, address: str) -> str | None:
        """The body of the latest e-mail sent to address so far, or None."""
        raise NotImplementedError

    def mail_to(self, address: str, *, containing: str = "", timeout: float | None = None) -> str:
        """The body of the latest e-mail sent to address (that contains `containing`), waiting a bounded time.

        E-mails are sent after the transaction commits, on a Celery worker in production: the page can
        answer before the message exists, so this polls until the deadline instead of reading once.
        """
        deadline = time.monotonic() + (self.mail_timeout if timeout is None else timeout)
        while True:
            body = self.latest_mail_body(address)
            if body is not None and containing in body:
                return body
            if time.monotonic() > deadline:
                raise MailNotFound("no e-mail to %s containing %r (latest: %r)" % (address, containing, body))
            time.sleep(0.1)

    def shell(self, code: str):
        """Run Python code in `manage.py shell -c` on the target; return the JSON its last line prints."""
        output = self.manage("shell", "-c", code)
        lines = [line for line in output.splitlines() if line.strip()]
        if not lines:
            raise AssertionError("manage.py shell printed nothing for:\n%s" % code)
        return json.loads(lines[-1])


class InProcessTarget(JourneyTarget):
    """pytest-django's live_server: same process, same test database, locmem e-mail."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def __repr__(self):
        return "<InProcessTarget %s>" % self.base_url

    def manage(self, *args: str) -> str:
        from django.core.management import call_command

        # `shell -c` prints with print(), not self.stdout: capture both.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            call_command(*args, stdout=out)
        return out.getvalue()

    def latest_mail_body(self, address: str) -> str | None:
        from django.core import mail

        for message in reversed(getattr(mail, "outbox", [])):
            if address.lower() in [to.lower() for to in message.to]:
                body = message.body
                if not body and getattr(message, "alternatives", None):
                    body = message.alternatives[0][0]
                return body
        return None


class SubprocessTarget(JourneyTarget):
    """A server in another process: manage.py runs as a subprocess with env; mail from EMAIL_FILE_PATH."""

    def __init__(self, base_url: str, env: dict, *, python: str | os.PathLike | None = None, command_timeout=120):
        self.base_url = base_url.rstrip("/")
        self.env = dict(env)
        self.python = str(python or (VENV_PYTHON if VENV_PYTHON.exists() else sys.executable))
        self.command_timeout = command_timeout
        mail_dir = self.env.get("EMAIL_FILE_PATH")
        self.mail_dir = Path(mail_dir) if mail_dir else None

    def __repr__(self):
        return "<SubprocessTarget %s>" % self.base_url

    def manage(self, *args: str) -> str:
        # The target's variables win over this process's (the test settings, the test database).
        env = {**os.environ, **self.env}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        completed = subprocess.run(
            [self.python, str(MANAGE_PY), *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=self.command_timeout,
        )
        if completed.returncode != 0:
            raise AssertionError(
                "manage.py %s exited with %s:\n%s\n%s"
                % (" ".join(args[:1]), completed.returncode, completed.stdout, completed.stderr)
            )
        return completed.stdout

    def latest_mail_body(self, address: str) -> str | None:
        if self.mail_dir is None:
            raise AssertionError(
                "the target's e-mails are not readable: start it with "
                "EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend and EMAIL_FILE_PATH=<dir>"
            )
        return latest_file_backend_body(self.mail_dir, address)


def file_backend_messages(path: Path):
    """The messages of one file written by Django's file e-mail backend, in the order they were sent."""
    data = path.read_bytes()
    for chunk in data.split(FILE_BACKEND_SEPARATOR):
        if chunk.strip():
            yield email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)


def message_body(message) -> str:
    """The plain-text body (or the HTML one when there is no plain part), decoded."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def latest_file_backend_body(mail_dir: Path, address: str) -> str | None:
    """The latest body sent to address: the newest .log file first, its last message first."""
    if not mail_dir.is_dir():
        return None
    files = sorted(mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    wanted = address.lower()
    for path in files:
        for message in reversed(list(file_backend_messages(path))):
            recipients = [a.addr_spec.lower() for a in message["To"].addresses] if message["To"] else []
            if wanted in recipients:
                return message_body(message)
    return None


def read_env_file(path: Path) -> dict:
    """Parse the `export NAME='value'` lines that scripts/prod-stack.sh writes to $PRODSTACK_DIR/env."""
    import shlex

    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, _, value = line.partition("=")
        parts = shlex.split(value) if value else [""]
        env[name.strip()] = parts[0] if parts else ""
    return env
