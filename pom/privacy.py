"""Data rights: a person's data across organizations (download, erasure), and deleting an organization.

Personal data is found from the models, so tables other apps add are covered without a change here:
- rows that point at the person (any foreign key or many-to-many to the user model) are theirs to
  download; on erasure they stay, attached to the anonymised account ("Former user"), except the
  rows that only make sense for a living account (memberships, workspace memberships, sessions,
  e-mail addresses, second factors, social accounts, notifications and preferences), which go;
- copies of the person's e-mail address or name in any text or JSON column of any table (an
  invitation's address, an audit trail's actor label, a mention in a comment) are replaced.

Organization deletion: an owner asks for it; POM makes a final export at once (a background job
whose file owners download), and deletes everything `POM_ORG_DELETION_GRACE_DAYS` later (the daily
`pom.tasks.org_deletions_due`), unless an owner cancels before then.
"""

from __future__ import annotations

import datetime
import json
import secrets

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from pom import rls
from pom.audit import Actor, audit_action
from pom.models import Job, Membership, Organization, OrgDeletion, Role, User

FORMER_USER = "Former user"
TEXT_TYPES = (models.CharField, models.TextField, models.EmailField, models.JSONField)
# Rows of these models belong to a living account only: erasure deletes them.
ACCOUNT_ONLY = {
    "pom.membership",
    "workspaces.workspacemember",
    "workspaces.notification",
    "workspaces.notificationpreference",
    "usersessions.usersession",
    "account.emailaddress",
    "account.emailconfirmation",
    "mfa.authenticator",
    "socialaccount.socialaccount",
    "sessions.session",
}
MIN_NAME_LENGTH = 5  # shorter names are too likely to be ordinary words inside other people's text


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def user_relations() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every foreign key and many-to-many field pointing at users."""
    user_model = _user_model()
    found = []
    for model in apps.get_models():
        if model is user_model or model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            relation = field.many_to_one or field.one_to_one or field.many_to_many
            if relation and field.concrete and field.related_model is user_model:
                found.append((model, field.name))
    return found


def text_columns() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every text-like column of every table: where copies of a name can hide."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_TYPES) and not field.choices:
                found.append((model, field.name))
    return found


def rows_mentioning(model, field: str, needle: str):
    """Rows whose `field` contains `needle` (JSON compared as text)."""
    annotated = model._default_manager.annotate(_pom_text=Cast(field, TextField()))
    return annotated.filter(_pom_text__icontains=needle)


def personal_data(*, user: User) -> dict:
    """Everything POM holds about the person, across organizations, as a JSON-ready dict.

    Cross-tenant by design: the person's right to their data spans every organization they touched;
    only rows pointing at them (and their own account) are read, one query per relation.
    """
    from django.core import serializers

    account = {f.name: getattr(user, f.attname) for f in user._meta.concrete_fields if f.name != "password"}
    data: dict = {"account": account, "exported_at": timezone.now(), "records": {}}
    for model, field in user_relations():
        label = model._meta.label_lower
        rows = model._default_manager.filter(**{field: user}).distinct().order_by("pk")
        with rls.all_organizations("a person's download: the rows pointing at them, in every organization"):
            serialized = serializers.serialize("python", rows)
        for row in serialized:
            row["fields"].pop("password", None)
            row["fields"].pop("secret", None)
            if label == "mfa.authenticator":
                row["fields"]["data"] = "(kept secret)"
        if serialized:
            data["records"].setdefault(label, {})[field] = [{"id": r["pk"], **r["fields"]} for r in serialized]
    return data


def personal_data_json(*, user: User) -> bytes:
    return json.dumps(personal_data(user=user), cls=DjangoJSONEncoder, indent=1, ensure_ascii=False).encode()


def _blocking_ownerships(user: User) -> list[Organization]:
    """Organizations where the person is the last owner while other members remain."""
    blocking = []
    for membership in Membership.objects.filter(user=user, role=Role.OWNER).select_related("organization"):
        org = membership.organization
        owners = Membership.objects.for_org(org).filter(role=Role.OWNER).exclude(user=user)
        others = Membership.objects.for_org(org).exclude(user=user)
        if not owners.exists() and others.exists():
            blocking.append(org)
    return blocking


def _replace_everywhere(needle: str, replacement: str) -> int:
    """Replace `needle` in every text and JSON column of every table; returns the rows changed.

    Cross-tenant by design: a person's erasure covers every organization that holds a copy of their
    address or name. One search per column (a scan; erasure is rare), updates only where found.
    """
    changed = 0
    for model, field in text_columns():
        rows = rows_mentioning(model, field, needle)
        if isinstance(model._meta.get_field(field), models.JSONField):
            for obj in rows:
                text = json.dumps(getattr(obj, field), ensure_ascii=False)
                value = json.loads(text.replace(json.dumps(needle)[1:-1], json.dumps(replacement)[1:-1]))
                model._default_manager.filter(pk=obj.pk).update(**{field: value})
                changed += 1
        else:
            changed += rows.update(**{field: Replace(F(field), Value(needle), Value(replacement))})
    return changed


@transaction.atomic
def user_erase(*, user: User, actor: Actor) -> User:
    """Erase a person: anonymise every copy of their data, keep their content under "Former user".

    Refused, with nothing changed, while they are the last owner of an organization that has other
    members. Steps: 1. audit in each of their organizations (the entry itself is anonymised below);
    2. delete account-only rows (memberships, sessions, e-mail addresses, factors…); 3. replace the
    e-mail address and name in every text and JSON column; 4. anonymise the account itself.
    """
    with rls.all_organizations("erasure is refused while the person is an organization's last owner"):
        blocking = _blocking_ownerships(user)
    if blocking:
        raise ValidationError(
            _("%(email)s is the last owner of %(orgs)s: make someone else owner first, or delete the organization.")
            % {"email": user.email, "orgs": ", ".join(o.name for o in blocking)}
        )
    with rls.all_organizations("a person's erasure covers every organization holding a copy of their data"):
        return _erase(user, actor)


def _erase(user: User, actor: Actor) -> User:
    """The erasure itself (steps 1–4 above), across every organization."""
    email, name = user.email, (user.name or "").strip()
    placeholder = f"erased-{user.pk}-{secrets.token_hex(4)}@erased.invalid"
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        audit_action(org=membership.organization, actor=actor, obj=user, verb="user.erased")
    # Sessions live in the session store: end them before the account rows go.
    try:
        from allauth.usersessions.models import UserSession

        for session in UserSession.objects.filter(user=user):
            session.end()
    except LookupError:  # pragma: no cover - usersessions is installed in POM
        pass
    for model, field in user_relations():
        if model._meta.label_lower in ACCOUNT_ONLY:
            model._default_manager.filter(**{field: user}).delete()
    from pom.models_security import LoginThrottle

    LoginThrottle.objects.filter(key=f"account:{email.lower()}").delete()
    _replace_everywhere(email, placeholder)
    if email.lower() != email:
        _replace_everywhere(email.lower(), placeholder)
    if len(name) >= MIN_NAME_LENGTH:
        _replace_everywhere(name, FORMER_USER)
    user.refresh_from_db()
    user.email = placeholder
    user.name = FORMER_USER
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.time_zone = "UTC"
    user.set_unusable_password()
    user.save()
    return user


# Organization deletion ------------------------------------------------------------------------


def deletion_pending(*, org: Organization) -> OrgDeletion | None:
    return OrgDeletion.objects.for_org(org).filter(cancelled_at__isnull=True, deleted_at__isnull=True).first()


def _check_owner(org: Organization, actor: User) -> None:
    if not Membership.objects.for_org(org).filter(user=actor, role=Role.OWNER).exists():
        raise PermissionDenied(_("Only an owner can delete the organization."))


@transaction.atomic
def org_deletion_request(*, org: Organization, actor: User, confirm_slug: str) -> OrgDeletion:
    """Schedule the organization's deletion after the grace period and start its final export.

    Owners only, confirmed by typing the slug; owners are told by e-mail. Audited.
    """
    from pom import jobs
    from pom.services import email_send
    from pom.tasks import heavy_org_export

    _check_owner(org, actor)
    if (confirm_slug or "").strip() != org.slug:
        raise ValidationError({"confirm_slug": _("Type %(slug)s to confirm.") % {"slug": org.slug}})
    if deletion_pending(org=org) is not None:
        raise ValidationError(_("The deletion of this organization is already scheduled."))
    job = jobs.job_request(
        org=org, kind="org.export", task=heavy_org_export, actor=actor, label=_("Final export before deletion")
    )
    deletion = OrgDeletion.objects.create(
        organization=org,
        requested_by=actor,
        scheduled_for=timezone.now() + datetime.timedelta(days=settings.POM_ORG_DELETION_GRACE_DAYS),
        export_job=job,
    )
    audit_action(
        org=org,
        actor=actor,
        obj=deletion,
        verb="organization.deletion_requested",
        changes={"scheduled_for": deletion.scheduled_for},
    )
    owners = list(Membership.objects.for_org(org).filter(role=Role.OWNER).values_list("user__email", flat=True))
    email_send(
        to=owners,
        subject=_("[POM] %(org)s will be deleted on %(date)s")
        % {"org": org.name, "date": f"{deletion.scheduled_for:%Y-%m-%d}"},
        body=_(
            "%(actor)s asked POM to delete %(org)s and all its data. It happens on %(date)s (UTC).\n"
            "Download the final export and cancel, if this is a mistake, in Settings → Data:\n%(url)s\n"
        )
        % {
            "actor": actor.display_name,
            "org": org.name,
            "date": f"{deletion.scheduled_for:%Y-%m-%d %H:%M}",
            "url": settings.SITE_URL + f"/o/{org.slug}/settings/data/",
        },
    )
    return deletion


@transaction.atomic
def org_deletion_cancel(*, org: Organization, actor: User) -> OrgDeletion:
    _check_owner(org, actor)
    deletion = deletion_pending(org=org)
    if deletion is None:
        raise ValidationError(_("No deletion is scheduled."))
    OrgDeletion.objects.for_org(org).filter(pk=deletion.pk).update(cancelled_at=timezone.now(), cancelled_by=actor)
    deletion.refresh_from_db()
    audit_action(org=org, actor=actor, obj=deletion, verb="organization.deletion_cancelled")
    return deletion


def org_export_body(*, job: Job, progress) -> dict:
    """Job body: the organization's archive (without credentials) as the job's file."""
    from pom import dataport

    org = Organization.objects.get(pk=job.organization_id)
    progress.update(done=0, total=1, message=_("Exporting every table"))
    data = dataport.organization_export(org=org, credentials=False)
    progress.attach(filename=f"{org.slug}-{timezone.now():%Y%m%d-%H%M}.tar.gz", content=data)
    progress.update(done=1, total=1)
    return {"bytes": len(data), "tables": len(dataport.archive_tables(data))}


def org_deletions_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Organizations whose grace period is over.

    Cross-tenant by design: the daily sweep serves every organization and returns only ids; each
    deletion task re-scopes to its organization.
    """
    now = now or timezone.now()
    return list(
        OrgDeletion.objects.filter(cancelled_at__isnull=True, deleted_at__isnull=True, scheduled_for__lte=now)
        .values_list("organization_id", flat=True)
        .distinct()
    )


def org_delete_now(*, organization_id: int) -> bool:
    """Delete the organization and every row of it, once its scheduled deletion is due (safe twice).

    The final export's file is removed too: the grace period was the time to download it.
    """
    deletion = (
        OrgDeletion.objects.for_org(organization_id)
        .filter(cancelled_at__isnull=True, deleted_at__isnull=True, scheduled_for__lte=timezone.now())
        .first()
    )
    if deletion is None:
        return False
    org = Organization.objects.get(pk=organization_id)
    files = [j.result_file.name for j in Job.objects.for_org(org).exclude(result_file="")]
    owners = list(Membership.objects.for_org(org).filter(role=Role.OWNER).values_list("user__email", flat=True))
    name = org.name
    with transaction.atomic():
        org.delete()
    from django.core.files.storage import default_storage

    for name_ in files:
        default_storage.delete(name_)
    from pom.services import email_send

    if owners:
        email_send(
            to=owners,
            subject=_("[POM] %(org)s has been deleted") % {"org": name},
            body=_("As requested, %(org)s and all its data were deleted from POM.") % {"org": name},
        )
    import logging

    logging.getLogger(__name__).info("Organization %s (%s) deleted as scheduled", organization_id, name)
    return True
