"""No module of the apps is over 600 lines: past that a module holds several concerns, so split it by
concern (see /work/shared/STYLE.md §10 and docs/development.md) before adding more.

Migrations are generated and tests are not app code; every other Python module of each app counts.
A module may stay over the limit only while it has an entry in `OVER_LIMIT` with the reason; an entry
for a module back under the limit fails too, so the list only shrinks.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_APPS = ["pom", "partners", "plans", "attribution", "workspaces", "reports"]
MAX_LINES = 600

# module -> why it is still over the limit (remove the entry when its split lands)
OVER_LIMIT: dict[str, str] = {}


def _line_counts() -> dict[str, int]:
    counts = {}
    for app in LOCAL_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            counts[str(path.relative_to(ROOT))] = len(path.read_text().splitlines())
    return counts


def test_no_app_module_is_over_600_lines():
    over = {rel: n for rel, n in _line_counts().items() if n > MAX_LINES and rel not in OVER_LIMIT}
    assert not over, "Modules over 600 lines (split them by concern): " + ", ".join(
        f"{rel} ({n})" for rel, n in sorted(over.items())
    )


def test_every_over_limit_entry_is_still_over_and_has_a_reason():
    counts = _line_counts()
    stale = sorted(rel for rel in OVER_LIMIT if counts.get(rel, 0) <= MAX_LINES)
    assert not stale, f"back under {MAX_LINES} lines or gone, remove from OVER_LIMIT: {stale}"
    assert all(reason.strip() for reason in OVER_LIMIT.values())


def test_the_count_sees_every_app_and_skips_migrations():
    counts = _line_counts()
    assert {rel.split("/")[0] for rel in counts} == set(LOCAL_APPS)
    assert "pom/models.py" in counts
    assert not any("/migrations/" in rel for rel in counts)
