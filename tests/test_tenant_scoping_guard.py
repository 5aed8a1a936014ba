"""Views and API modules must read tenant models through `for_org`, never bare `.objects`.

A failing test here names the file, the line and the model: route the read through a selector
or `Model.objects.for_org(org)`.
"""

import re
from pathlib import Path

from django.apps import apps

from pom.models import OrgOwned

ROOT = Path(__file__).resolve().parent.parent
LOCAL_APPS = ["pom", "partners", "plans", "attribution", "workspaces", "reports"]


# Declaring a scoped field's base queryset is not a read: OrgScopedPK narrows it per request.
ALLOWED = re.compile(r"queryset=\w+\.objects(\.all\(\)|(?=[,)\s]))|\w+\.objects\.none\(\)")


def _tenant_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if issubclass(m, OrgOwned)}


def _guarded_files() -> list[Path]:
    files = []
    for app in LOCAL_APPS:
        base = ROOT / app
        files += list(base.glob("views*.py"))
        files += list((base / "api").glob("*.py")) if (base / "api").is_dir() else []
    return files


def test_views_and_api_read_tenant_models_only_through_for_org():
    names = _tenant_model_names()
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\.objects\.(?!for_org\b)(\w+)")
    offenders = []
    for path in _guarded_files():
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for match in pattern.finditer(ALLOWED.sub("", line)):
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {match.group(0)}")
    assert not offenders, "Tenant reads without for_org:\n" + "\n".join(offenders)


def test_guard_catches_a_bare_lookup(tmp_path):
    names = _tenant_model_names()
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\.objects\.(?!for_org\b)(\w+)")
    assert pattern.search("Partner.objects.get(pk=1)")
    assert not pattern.search("Partner.objects.for_org(org).get(pk=1)")
    assert not pattern.search(ALLOWED.sub("", "OrgScopedPK(queryset=Partner.objects.all())"))
    assert pattern.search(ALLOWED.sub("", "queryset=Partner.objects.filter(name='x')"))
