"""Small helpers every app's services share, written once: hashing, actors, same-organization checks."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pom.audit import Actor
from pom.models import Organization, User


def hash_secret(raw: str) -> str:
    """The stored form of a secret shown once (API keys, invitation and link tokens): its SHA-256."""
    return hashlib.sha256(raw.encode()).hexdigest()


def actor_user(actor: Actor) -> User | None:
    """The person behind an actor, or None for an API key or the system."""
    return actor if isinstance(actor, User) else None


def same_org(org: Organization, obj: Any, field: str) -> None:
    """Refuse a related row of another organization as if it did not exist (defence in depth)."""
    if obj is not None and obj.organization_id != org.pk:
        raise ValidationError({field: _("Not found in this organization.")})


def check_same_org(org: Organization, **objects: Any) -> None:
    """`same_org` for several fields at once: `check_same_org(org, program=program, tier=tier)`."""
    for field, obj in objects.items():
        same_org(org, obj, field)
