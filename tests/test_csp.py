"""The Content-Security-Policy: every environment sends it, strict (no inline script or style), and the templates
hold nothing it would refuse. Whether every page works under it is checked in Chromium
(tests/test_browser_pages.py)."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.test_settings import load_production

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def directives(header):
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: " ".join(part[1:]) for part in parts}


def test_templates_have_no_inline_script_handler_style_or_bare_hx_attribute():
    # What the policy refuses (an inline <script>, an on…= handler, a style="…" attribute), and htmx's
    # attributes under names HTML does not allow (htmx reads the data-hx-* ones).
    forbidden = {
        "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
        "style attribute": re.compile(r"\sstyle\s*=\s*[\"']", re.I),
        "bare hx- attribute": re.compile(r"(?<![\w-])hx-[a-z-]+\s*=", re.I),
        "empty action": re.compile(r"\saction=\"\"", re.I),
    }
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in forbidden.items():
            found += [f"{path.relative_to(TEMPLATES)}: {what}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_pages_carry_the_strict_policy(client, edition):
    for name in ("landing", "login", "judging:public"):
        header = client.get(reverse(name))["Content-Security-Policy"]
        policy = directives(header)
        assert {key: policy.get(key) for key in STRICT} == STRICT, header
        assert "unsafe" not in header


POLICY_OF_PRODUCTION = """
import json, django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from csp.middleware import CSPMiddleware
response = CSPMiddleware(lambda request: HttpResponse("<p>x</p>"))(RequestFactory().get("/", secure=True))
print(json.dumps({"middleware": settings.MIDDLEWARE, "header": response.get("Content-Security-Policy")}))
"""


def test_production_settings_send_the_strict_policy():
    result = load_production(POLICY_OF_PRODUCTION)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert "csp.middleware.CSPMiddleware" in out["middleware"]
    assert out["middleware"].index("csp.middleware.CSPMiddleware") > out["middleware"].index(
        "django.middleware.security.SecurityMiddleware"
    )
    policy = directives(out["header"])
    assert {key: policy.get(key) for key in STRICT} == STRICT, out["header"]
    assert "unsafe" not in out["header"]


def test_production_with_object_storage_lets_its_films_and_pictures_in():
    result = load_production(
        POLICY_OF_PRODUCTION,
        MEDIA_STORAGE="s3",
        S3_BUCKET="festival",
        S3_ENDPOINT_URL="https://storage.example.kz:9000/",
        S3_ACCESS_KEY="key",
        S3_SECRET_KEY="secret",
    )
    assert result.returncode == 0, result.stderr
    policy = directives(json.loads(result.stdout)["header"])
    assert policy["media-src"].split() == ["'self'", "blob:", "https://storage.example.kz:9000"]
    assert "https://storage.example.kz:9000" in policy["img-src"].split()
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
