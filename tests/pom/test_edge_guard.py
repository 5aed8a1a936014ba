"""The edge is written once: apps' API modules declare writes on `pom.api.base.ServiceWrites` hooks
(`create_object`, `update_object`, `delete_object`) instead of writing DRF's handlers themselves."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = "create|update|partial_update|perform_create|perform_update|perform_destroy"
HANDWRITTEN = re.compile(rf"^\s+def ({HANDLERS})\(", re.M)

# Each entry: "<path>:<method>" and why the hooks cannot say it. Empty today; keep it that way.
ALLOWED: dict[str, str] = {}


def _api_modules():
    for path in sorted(ROOT.glob("*/api/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(("pom/", ".venv/")):
            yield relative, path.read_text(encoding="utf-8")


def test_api_modules_outside_pom_write_no_create_or_update_handlers():
    found = [
        f"{relative}:{match.group(1)}"
        for relative, text in _api_modules()
        for match in HANDWRITTEN.finditer(text)
        if f"{relative}:{match.group(1)}" not in ALLOWED
    ]
    assert found == [], f"declare these writes with ServiceViewSet hooks (pom/api/base.py): {found}"


def test_the_guard_scans_the_api_modules_and_sees_a_handwritten_handler():
    modules = dict(_api_modules())
    assert {"partners/api/views.py", "workspaces/api/views.py", "reports/api/scores.py"} <= set(modules)
    assert HANDWRITTEN.search("class X(OrgViewSet):\n    def create(self, request, org_slug):\n")
    assert not HANDWRITTEN.search("    def create_object(self, data):\n")
