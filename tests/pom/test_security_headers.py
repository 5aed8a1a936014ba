"""Security headers on every HTML page, and a guard that keeps templates free of inline code."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from pom import plotly_css
from pom.charts import figure_html

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
def test_pages_send_a_strict_csp_with_a_fresh_nonce_and_the_other_headers(member, client_for):
    client = client_for(member)
    org_slug = member.memberships.first().organization.slug
    first = client.get(f"/o/{org_slug}/")
    second = client.get(f"/o/{org_slug}/")
    assert first.status_code == 200
    policy = _directives(first["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["style-src-elem"] == ["'self'"]
    nonces = [
        next(v for v in _directives(r["Content-Security-Policy"])["script-src"] if v.startswith("'nonce-"))
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert "camera=()" in first["Permissions-Policy"] and "geolocation=()" in first["Permissions-Policy"]
    assert first["Referrer-Policy"] == "same-origin"
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_anonymous_pages_have_the_policy_too():
    response = Client().get("/accounts/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Permissions-Policy" in response


@pytest.mark.django_db
def test_hsts_is_kept_over_https(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_only_the_api_docs_pages_relax_styles():
    docs = Client().get("/api/docs/")
    assert "'unsafe-inline'" in _directives(docs["Content-Security-Policy"])["style-src"]
    assert "'unsafe-inline'" not in _directives(docs["Content-Security-Policy"])["script-src"]
    # Swagger's start-up script is a separate request (no inline script on the page).
    assert b"<script>" not in docs.content


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
CHECKS = ((INLINE_SCRIPT, "inline <script>"), (INLINE_HANDLER, "on…= handler"), (INLINE_STYLE, "style="))


def test_no_template_carries_inline_scripts_handlers_or_styles():
    """Behaviour goes in static/js/pom.js wired by data- attributes, looks in static/css/pom.css."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in CHECKS:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert offenders == []


def test_figures_carry_data_not_scripts():
    import plotly.graph_objects as go

    html = figure_html(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), height=200)
    assert "<script" not in html and "style=" not in html
    assert 'class="chart" data-plotly="' in html and "&quot;height&quot;:200" in html


@pytest.mark.django_db
def test_plotly_stylesheet_is_built_from_the_installed_bundle():
    css, etag = plotly_css.stylesheet()
    assert ".js-plotly-plot .plotly .main-svg { position:absolute" in css
    assert ".plotly-notifier .notifier-note" in css
    response = Client().get("/assets/plotly.css")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert Client().get("/assets/plotly.css", HTTP_IF_NONE_MATCH=f'"{etag}"').status_code == 304
    page = Client().get("/accounts/login/").content.decode()
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in page


def test_plotly_stylesheet_extraction_fails_loudly_on_an_unknown_bundle():
    with pytest.raises(ValueError, match="no longer declares its style rules"):
        plotly_css.plotly_rules("var x = 1;")
