"""The production-like stack that scripts/prod-stack.sh starts answers as production does."""

import json
import sys
import urllib.error
import urllib.request

import pytest

from tests.stack.tools import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_every_service_runs_and_healthz_answers(prod_stack):
    status = prod_stack.script("status")
    assert status.returncode == 0, status.stdout
    lines = {line.split()[0]: line for line in status.stdout.splitlines() if line.strip()}
    for service in ("gunicorn", "beat", "worker", "localstripe"):
        assert " running " in lines[service], status.stdout
    # gunicorn: the master and its three workers; one beat, alone.
    assert "4 processes" in lines["gunicorn"]
    assert "1 processes" in lines["beat"]
    code, body = prod_stack.get("/healthz")
    assert code == 200
    assert json.loads(body)["checks"] == {"database": "ok", "broker": "ok"}


def test_the_demo_logins_have_their_subscriptions(prod_stack):
    """localstripe starts before the demo data is loaded, so the demo subscriptions are bought through it."""
    setup = prod_stack.log("setup")
    assert "subscriptions skipped" not in setup and "skipped: the payment service failed" not in setup, setup[-3000:]
    for email in ("global@fabrikam.example", "global@northwind.example", "global@adventure-works.example"):
        line = next((line for line in setup.splitlines() if email in line and "Action Pack until" in line), None)
        assert line is not None, "%s has no demo subscription:\n%s" % (email, setup[-3000:])


def test_production_settings_static_files_and_a_signed_in_page(prod_stack):
    env = prod_stack.stack_env()
    assert env["DJANGO_SETTINGS_MODULE"] == "partnerportal.settings.production"
    assert len(env["DJANGO_SECRET_KEY"]) == 64
    assert env["STRIPE_SECRET_KEY"].startswith("sk_test_") and "localstripe" not in env["STRIPE_SECRET_KEY"]

    # Static files: collected with hashed names and served by whitenoise with a far-future cache.
    manifest = json.loads((ROOT / "var" / "staticfiles" / "staticfiles.json").read_text())["paths"]
    css = next(hashed for name, hashed in manifest.items() if name.endswith(".css"))
    with urllib.request.urlopen(prod_stack.url + "/static/" + css, timeout=10) as answer:
        assert answer.status == 200
        assert "immutable" in answer.headers["Cache-Control"]

    # DEBUG is off: an unknown URL is a plain 404, no technical page.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(prod_stack.url + "/no-such-page/", timeout=10)
    assert missing.value.code == 404
    assert b"URLconf" not in missing.value.read()

    buyer = prod_stack.ctl("buyers", "1", "stack")[0]
    session = load.login(prod_stack.url, buyer)
    page = session.get(prod_stack.url + "/partnership/offers/", timeout=10)
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Action Pack" in page.text


def test_a_small_purchase_run_answers_only_2xx_and_3xx(prod_stack, tmp_path):
    """bench/load.py end to end at a small size: whole purchases through the wizard."""
    import subprocess

    out = tmp_path / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--env-file",
            str(prod_stack.env_file),
            "--concurrency",
            "3",
            "--purchases",
            "3",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=prod_stack.env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    print(result.stdout)
    purchases = json.loads(out.read_text())
    assert "note" not in purchases, purchases  # not skipped: the wizard exists
    assert (purchases["non_2xx_3xx"], purchases["errors"]) == (0, 0), purchases
    assert purchases["rps"] > 0 and purchases["p99_ms"] >= purchases["p50_ms"] > 0
    assert purchases["purchases_completed"] == 3
    assert purchases["purchase_p99_ms"] >= purchases["purchase_p50_ms"] > 0
