"""plotly.js's own style rules served as a stylesheet, so charts need no inline `<style>` under the CSP.

plotly.js normally injects its rules (cursors, hover labels, the notifier, the map library's rules)
into `<style>` elements it creates at run time, which a `style-src` without 'unsafe-inline' refuses.
It skips that when the page already holds elements with the ids it looks for (`plotly.js-style-global`
with class `no-inline-styles`, and the map library's hashed id). `{% plotly_styles %}` (in
`templates/base.html`) renders those elements, linking `/assets/plotly.css`, which this module builds
once per process from the installed plotly.js, so an upgrade of plotly carries its rules along.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

import plotly

BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The bundle declares plotly's rules as one object literal of string keys and values, then rewrites
# "X" to ".js-plotly-plot .plotly" and "Y" to ".plotly-notifier" before adding each rule.
_RULES = re.compile(r'=\{("X,X div":.*?)\};for\(')
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)":(\'(?:[^\'\\]|\\.)*\'|"(?:[^"\\]|\\.)*")')
# The map library injects its stylesheet once, under a fixed id, unless an element has that id.
_MAPLIBRE = re.compile(r'e\.id="([0-9a-f]{20,})",e\.textContent=`([^`]*)`')


def _js_string(literal: str) -> str:
    if literal.startswith("'"):
        literal = '"' + literal[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'
    return json.loads(literal)


@cache
def _bundle() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def plotly_rules(bundle: str | None = None) -> str:
    """The rules plotly.js would inject into its global `<style>`, in its own order."""
    match = _RULES.search(bundle if bundle is not None else _bundle())
    if match is None:
        raise ValueError("plotly.min.js no longer declares its style rules as POM expects (pom/plotly_css.py)")
    lines = []
    for key, value in _PAIR.findall(match.group(1)):
        selector = key.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        lines.append(f"{selector.lstrip(',')} {{ {_js_string(value)} }}")
    return "\n".join(lines) + "\n"


def maplibre_style(bundle: str | None = None) -> tuple[str, str]:
    """(id, css) of the map library's injected stylesheet; ("", "") if the bundle has none."""
    match = _MAPLIBRE.search(bundle if bundle is not None else _bundle())
    return (match.group(1), match.group(2)) if match else ("", "")


@cache
def stylesheet() -> tuple[str, str]:
    """The whole stylesheet and its ETag (a hash of the content)."""
    _id, maplibre = maplibre_style()
    css = f"/* plotly.js rules, from the bundle of plotly {plotly.__version__} (pom/plotly_css.py) */\n"
    css += plotly_rules() + maplibre + "\n"
    return css, hashlib.sha256(css.encode()).hexdigest()[:16]
