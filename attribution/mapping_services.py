"""Writes on account mapping: populations, consents, sharing settings, partner lists, match decisions.

Every service is keyword-only, runs in one transaction, validates before saving and is audited.
Consent and sharing are decided by people: vendor-side by an organization admin or owner (services
check it), partner-side by a partner-side workspace owner (the workspace services check it before
calling here, and pass `side="partner"`). Anything that changes what the map shows asks for a
recomputation (`account_map_recompute_request`, a `pom.jobs` job) once the transaction commits.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attribution import mapping_importing as importing
from attribution.mapping_models import (
    AccountMap,
    AccountMatch,
    MappingSide,
    MatchDecision,
    PartnerAccountList,
    PartnerPopulation,
    Population,
    ShareLevel,
    SharingRule,
)
from partners.models import Partnership
from pom import hooks, jobs
from pom.audit import Actor, audit_action, create_instance, delete_instance, update_fields
from pom.common import actor_user
from pom.models import Membership, Organization, Role, User, role_at_least

VENDOR_FIELDS = {
    "domain": gettext_lazy("Web domain"),
    "industry": gettext_lazy("Industry"),
    "region": gettext_lazy("Region"),
    "open_opportunities": gettext_lazy("Open opportunities"),
}
PARTNER_FIELDS = {
    "domain": gettext_lazy("Web domain"),
    "industry": gettext_lazy("Industry"),
    "country": gettext_lazy("Country"),
    "owner_name": gettext_lazy("Account owner"),
}
STANDARD_POPULATIONS = [
    (Population.Kind.CUSTOMERS, "customers", 10),
    (Population.Kind.PROSPECTS, "prospects", 20),
    (Population.Kind.OPEN_OPPORTUNITIES, "open-opportunities", 30),
]
RECOMPUTE_DEBOUNCE_SECONDS = 5


_user = actor_user  # pom.common


def _same_org(org: Organization, obj, field: str) -> None:
    if obj is not None and obj.organization_id != org.id:
        raise ValidationError({field: _("Unknown in this organization.")})


def _require_vendor_admin(org: Organization, actor: Actor) -> None:
    """Consent and sharing are a person's decision: an organization admin or owner, never an API key."""
    if not isinstance(actor, User):
        raise PermissionDenied(_("Consent and sharing are decided by a person (an admin), not by an API key."))
    role = Membership.objects.for_org(org).filter(user=actor).values_list("role", flat=True).first()
    if not role_at_least(role, Role.ADMIN):
        raise PermissionDenied(_("Only an admin or owner of %(org)s can decide what is shared.") % {"org": org.name})


def _changed(account_map: AccountMap, text: str, actor: Actor) -> None:
    """Tell the workspace side (feed line) that the map changed; see workspaces.events."""
    hooks.emit("mapping.changed", org=account_map.organization, actor=actor, account_map=account_map, text=text)


# Populations ------------------------------------------------------------------------------------


def population_defaults(*, org: Organization) -> None:
    """The three standard vendor populations (customers, prospects, open opportunities). Safe to run twice."""
    existing = set(Population.objects.for_org(org).values_list("slug", flat=True))
    Population.objects.bulk_create(
        [
            Population(organization=org, name=str(kind.label), slug=slug, kind=kind, order=order)
            for kind, slug, order in STANDARD_POPULATIONS
            if slug not in existing
        ]
    )


def _clean_filters(filters: dict) -> dict:
    """Keep the known filter keys, checked: type, region, industry, has_open_opportunity, min_open_amount."""
    from attribution.models import Account
    from pom.models import Region

    cleaned: dict = {}
    kind = (filters.get("type") or "").strip()
    if kind:
        if kind not in Account.Type.values:
            raise ValidationError({"type": _("Use customer or prospect.")})
        cleaned["type"] = kind
    region = (filters.get("region") or "").strip().upper()
    if region:
        if region not in Region.values:
            raise ValidationError({"region": _("Use one of %(codes)s.") % {"codes": ", ".join(Region.values)}})
        cleaned["region"] = region
    industry = (filters.get("industry") or "").strip()
    if industry:
        cleaned["industry"] = industry[:80]
    if filters.get("has_open_opportunity"):
        cleaned["has_open_opportunity"] = True
    amount = filters.get("min_open_amount")
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise ValidationError({"min_open_amount": _("Enter an amount such as 50000.")}) from None
        if not value.is_finite() or value < 0:
            raise ValidationError({"min_open_amount": _("Enter an amount of zero or more.")})
        cleaned["min_open_amount"] = str(value.quantize(Decimal("0.01")))
    if not cleaned:
        raise ValidationError({"filters": _("Choose at least one filter, e.g. a region or an industry.")})
    return cleaned


@transaction.atomic
def population_create(*, org: Organization, actor: Actor, name: str, filters: dict) -> Population:
    """A custom population of the vendor's accounts, defined by filters; every map is recomputed."""
    name = (name or "").strip()
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"name": _("Name the population.")})
    if Population.objects.for_org(org).filter(slug=slug).exists():
        raise ValidationError({"name": _("“%(name)s” exists already.") % {"name": name}})
    population = create_instance(
        org=org,
        actor=actor,
        instance=Population(
            organization=org, name=name, slug=slug, kind=Population.Kind.CUSTOM, filters=_clean_filters(filters)
        ),
    )
    account_maps_inputs_changed(org=org, actor=actor)
    return population


@transaction.atomic
def population_update(*, org: Organization, actor: Actor, population: Population, data: dict) -> Population:
    """Rename a population, change a custom one's filters, or switch it off."""
    _same_org(org, population, "population")
    changes = {}
    if "name" in data:
        changes["name"] = (data["name"] or "").strip() or population.name
    if "is_active" in data:
        changes["is_active"] = bool(data["is_active"])
    if "filters" in data:
        if population.kind != Population.Kind.CUSTOM:
            raise ValidationError({"filters": _("The standard populations have no filters to change.")})
        changes["filters"] = _clean_filters(data["filters"])
    population = update_fields(org=org, actor=actor, instance=population, data=changes)
    account_maps_inputs_changed(org=org, actor=actor)
    return population


@transaction.atomic
def population_delete(*, org: Organization, actor: Actor, population: Population) -> None:
    """Delete a custom population (its sharing settings go with it)."""
    _same_org(org, population, "population")
    if population.kind != Population.Kind.CUSTOM:
        raise ValidationError({"population": _("The standard populations can be switched off, not deleted.")})
    delete_instance(org=org, actor=actor, instance=population)
    account_maps_inputs_changed(org=org, actor=actor)


# Maps, consent, sharing -------------------------------------------------------------------------


@transaction.atomic
def account_map_ensure(*, org: Organization, partnership: Partnership) -> AccountMap:
    """The partnership's account map, created (with nothing shared) when missing. Safe to call twice."""
    _same_org(org, partnership, "partnership")
    account_map, created = AccountMap.objects.get_or_create(organization=org, partnership=partnership)
    if created:
        population_defaults(org=org)
    return account_map


def _purge_results(account_map: AccountMap) -> None:
    AccountMatch.objects.for_org(account_map.organization_id).filter(account_map=account_map).delete()
    AccountMap.objects.for_org(account_map.organization_id).filter(pk=account_map.pk).update(
        matrix={}, computed_at=None, changed_at=timezone.now()
    )
    account_map.matrix, account_map.computed_at = {}, None


@transaction.atomic
def mapping_opt_in(*, org: Organization, actor: Actor, account_map: AccountMap, side: str) -> AccountMap:
    """Record one side's consent to map accounts; once both sides agree, the map is computed.

    The vendor side needs an admin or owner (checked here); the partner side is checked by the
    workspace service that calls this with `side="partner"`.
    """
    _same_org(org, account_map, "account_map")
    if side == MappingSide.VENDOR:
        _require_vendor_admin(org, actor)
    elif not isinstance(actor, User):
        raise PermissionDenied(_("Consent is given by a person, not by an API key."))
    field = "vendor_opt_in" if side == MappingSide.VENDOR else "partner_opt_in"
    if getattr(account_map, f"{field}_at") is None:
        account_map = update_fields(
            org=org,
            actor=actor,
            instance=account_map,
            data={f"{field}_at": timezone.now(), f"{field}_by": _user(actor)},
        )
        audit_action(org=org, actor=actor, obj=account_map, verb="mapping opt-in", changes={"side": side})
        _changed(account_map, _("%(side)s side agreed to map accounts.") % {"side": MappingSide(side).label}, actor)
    if account_map.both_opted_in:
        account_map_recompute_request(org=org, actor=actor, account_map=account_map)
    return account_map


@transaction.atomic
def mapping_withdraw(*, org: Organization, actor: Actor, account_map: AccountMap, side: str) -> AccountMap:
    """Withdraw one side's consent: the computed overlaps are deleted at once and nothing is shown.

    The partner's uploaded list stays (the partner may delete it); it is not compared until both
    sides agree again.
    """
    _same_org(org, account_map, "account_map")
    if side == MappingSide.VENDOR:
        _require_vendor_admin(org, actor)
    field = "vendor_opt_in" if side == MappingSide.VENDOR else "partner_opt_in"
    account_map = update_fields(
        org=org, actor=actor, instance=account_map, data={f"{field}_at": None, f"{field}_by": None}
    )
    _purge_results(account_map)
    audit_action(org=org, actor=actor, obj=account_map, verb="mapping consent withdrawn", changes={"side": side})
    _changed(
        account_map,
        _("%(side)s side withdrew its consent: nothing is compared or shown.") % {"side": MappingSide(side).label},
        actor,
    )
    return account_map


def _population_lookup(org: Organization) -> dict[int, Population]:
    return {p.pk: p for p in Population.objects.for_org(org)}


@transaction.atomic
def sharing_set(
    *,
    org: Organization,
    actor: Actor,
    account_map: AccountMap,
    side: str,
    levels: dict[tuple[int, str], str],
    fields: list[str] | None = None,
) -> AccountMap:
    """Set what `side` lets the other side see: {(vendor population id, partner population): level},
    and which of its fields are shown with overlapping accounts. Takes effect at once (the selectors
    read the rules on every request), is audited, and the other side's feed says so."""
    _same_org(org, account_map, "account_map")
    if side == MappingSide.VENDOR:
        _require_vendor_admin(org, actor)
    populations = _population_lookup(org)
    current = {
        (r.vendor_population_id, r.partner_population): r
        for r in SharingRule.objects.for_org(org).filter(account_map=account_map, side=side)
    }
    changes = {}
    for (population_id, partner_population), level in levels.items():
        if population_id not in populations:
            raise ValidationError({"vendor_population": _("Unknown population.")})
        if partner_population not in PartnerPopulation.values:
            raise ValidationError({"partner_population": _("Use customer, prospect or opportunity.")})
        if level not in ShareLevel.values:
            raise ValidationError({"level": _("Use hidden, counts, overlap or full.")})
        rule = current.get((population_id, partner_population))
        before = rule.level if rule else ShareLevel.COUNTS
        if before == level:
            continue
        label = f"{populations[population_id].name} × {PartnerPopulation(partner_population).label}"
        changes[label] = [before, level]
        if rule is None:
            SharingRule.objects.create(
                organization=org,
                account_map=account_map,
                side=side,
                vendor_population_id=population_id,
                partner_population=partner_population,
                level=level,
                changed_by=_user(actor),
            )
        else:
            SharingRule.objects.for_org(org).filter(pk=rule.pk).update(
                level=level, changed_by=_user(actor), updated_at=timezone.now()
            )
    if fields is not None:
        allowed = VENDOR_FIELDS if side == MappingSide.VENDOR else PARTNER_FIELDS
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise ValidationError({"fields": _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}})
        field_name = "vendor_fields" if side == MappingSide.VENDOR else "partner_fields"
        chosen = [f for f in allowed if f in fields]
        if chosen != getattr(account_map, field_name):
            changes["fields"] = [getattr(account_map, field_name), chosen]
            AccountMap.objects.for_org(org).filter(pk=account_map.pk).update(**{field_name: chosen})
            setattr(account_map, field_name, chosen)
    if changes:
        audit_action(org=org, actor=actor, obj=account_map, verb=f"{side} sharing changed", changes=changes)
        _changed(account_map, _("%(side)s side changed what it shares.") % {"side": MappingSide(side).label}, actor)
    return account_map


@transaction.atomic
def linked_consent_give(*, org: Organization, actor: User, account_map: AccountMap) -> AccountMap:
    """Use the partner organization's own POM accounts instead of an uploaded list.

    Only an owner of that organization (`Partner.linked_organization`) may allow it; its accounts are
    then read (one documented cross-tenant selector) at every recomputation while both sides agree.
    """
    _same_org(org, account_map, "account_map")
    linked = account_map.partnership.partner.linked_organization_id
    if linked is None:
        raise ValidationError({"source": _("This partner is not an organization on POM.")})
    role = Membership.objects.for_org(linked).filter(user=actor).values_list("role", flat=True).first()
    if role != Role.OWNER:
        raise PermissionDenied(_("Only an owner of the partner's organization can share its accounts."))
    account_map = update_fields(
        org=org,
        actor=actor,
        instance=account_map,
        data={"source": AccountMap.Source.LINKED, "linked_consent_at": timezone.now(), "linked_consent_by": actor},
    )
    _changed(account_map, _("The partner now maps its own POM accounts."), actor)
    if account_map.both_opted_in:
        account_map_recompute_request(org=org, actor=actor, account_map=account_map)
    return account_map


@transaction.atomic
def linked_consent_withdraw(*, org: Organization, actor: User, account_map: AccountMap) -> AccountMap:
    """Stop using the partner organization's accounts: their copy and the overlaps are deleted."""
    _same_org(org, account_map, "account_map")
    account_map = update_fields(
        org=org,
        actor=actor,
        instance=account_map,
        data={"source": AccountMap.Source.UPLOAD, "linked_consent_at": None, "linked_consent_by": None},
    )
    for old in PartnerAccountList.objects.for_org(org).filter(account_map=account_map, source=AccountMap.Source.LINKED):
        old.rows.all().delete()
        PartnerAccountList.objects.for_org(org).filter(pk=old.pk).update(
            status=PartnerAccountList.Status.DISCARDED, replaced_at=timezone.now()
        )
    _purge_results(account_map)
    audit_action(org=org, actor=actor, obj=account_map, verb="linked accounts withdrawn")
    if account_map.both_opted_in:
        account_map_recompute_request(org=org, actor=actor, account_map=account_map)
    return account_map


# Recomputation ----------------------------------------------------------------------------------


def account_map_recompute_request(
    *, org: Organization, actor: Actor = None, account_map: AccountMap, countdown: int | None = None
):
    """Ask for the map's recomputation once the transaction commits (a `pom.jobs` job, debounced).

    Marks the map as changed now, so a page shows the stored result as stale until the job ends.
    """
    from attribution.tasks import heavy_account_map_compute

    AccountMap.objects.for_org(org).filter(pk=account_map.pk).update(changed_at=timezone.now())
    return jobs.job_request(
        org=org,
        kind="attribution.mapping",
        key=str(account_map.pk),
        scope=f"partnership:{account_map.partnership_id}",
        task=heavy_account_map_compute,
        actor=actor,
        label=_("Account map with %(partner)s") % {"partner": account_map.partnership.partner.name},
        params={"account_map_id": account_map.pk},
        countdown=countdown,
        lease_seconds=900,
    )


def account_maps_inputs_changed(*, org: Organization, actor: Actor = None) -> int:
    """The vendor's accounts or opportunities changed: recompute every map both sides agreed to.

    Debounced: a CRM sync of many batches joins the queued job of each map. Returns how many maps.
    """
    maps = list(
        AccountMap.objects.for_org(org)
        .filter(vendor_opt_in_at__isnull=False, partner_opt_in_at__isnull=False)
        .select_related("partnership__partner")
    )
    for account_map in maps:
        account_map_recompute_request(
            org=org, actor=actor, account_map=account_map, countdown=RECOMPUTE_DEBOUNCE_SECONDS
        )
    return len(maps)


# Partner lists ----------------------------------------------------------------------------------


@transaction.atomic
def partner_list_upload(*, org: Organization, actor: Actor, account_map: AccountMap, upload) -> PartnerAccountList:
    """Store an uploaded CSV/XLSX of the partner's accounts and guess its columns (nothing replaced yet).

    Rejects other file types, files over the size limit, files that are not UTF-8 text and files
    without rows, naming the reason.
    """
    _same_org(org, account_map, "account_map")
    file_type = importing.check_upload(name=upload.name, size=upload.size)
    content = b"".join(upload.chunks())
    headers, rows = importing.read_table(content, file_type)
    if not rows:
        raise ValidationError({"file": _("The file has a header line but no accounts under it.")})
    if len({h.lower() for h in headers if h}) != len([h for h in headers if h]):
        raise ValidationError({"file": _("Two columns have the same header; give each column its own name.")})
    directory = Path(settings.MEDIA_ROOT) / "mapping-lists" / str(org.id)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{secrets.token_hex(16)}.{file_type}"
    stored.write_bytes(content)
    account_list = PartnerAccountList(
        organization=org,
        account_map=account_map,
        original_name=Path(upload.name).name[:255],
        file_path=str(stored.relative_to(Path(settings.MEDIA_ROOT))),
        file_type=file_type,
        headers=headers,
        column_mapping=importing.guess_mapping(headers),
        row_count=len(rows),
        uploaded_by=_user(actor),
    )
    return create_instance(org=org, actor=actor, instance=account_list)


def _read(account_list: PartnerAccountList) -> tuple[list[str], list[list[str]]]:
    path = importing.stored_path(account_list.file_path)
    if not path.is_file():
        raise ValidationError({"file": _("The uploaded file is no longer available; upload it again.")})
    return importing.read_table(path.read_bytes(), account_list.file_type)


def partner_list_rows(*, account_list: PartnerAccountList) -> tuple[list[dict], list[dict]]:
    """The list's clean rows and errors under its current column mapping (the file is read again)."""
    headers, rows = _read(account_list)
    return importing.validate_rows(
        headers=headers,
        rows=rows,
        mapping=account_list.column_mapping,
        default_population=account_list.default_population,
    )


@transaction.atomic
def partner_list_preview(
    *, org: Organization, account_list: PartnerAccountList, mapping: dict[str, str], default_population: str
) -> tuple[list[dict], list[dict]]:
    """Save the column mapping and dry-run the file: every row validated, nothing replaced.

    Side effects: stores the mapping, the errors and the per-population counts on the list.
    """
    _same_org(org, account_list, "account_list")
    if account_list.status not in (
        PartnerAccountList.Status.UPLOADED,
        PartnerAccountList.Status.PREVIEWED,
        PartnerAccountList.Status.FAILED,
    ):
        raise ValidationError({"file": _("This list has been imported already; upload the file again to change it.")})
    unknown = {h for h in mapping.values() if h and h not in account_list.headers}
    if unknown:
        raise ValidationError(
            {"mapping": _("No such column in the file: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    if default_population not in PartnerPopulation.values:
        raise ValidationError({"default_population": _("Use customer, prospect or opportunity.")})
    account_list.column_mapping = {k: v for k, v in mapping.items() if k in importing.FIELD_KEYS and v}
    account_list.default_population = default_population
    rows, errors = partner_list_rows(account_list=account_list)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["population"]] = counts.get(row["population"], 0) + 1
    account_list.errors = errors[:1000]
    account_list.row_count = len(rows)
    account_list.population_counts = counts
    account_list.status = PartnerAccountList.Status.FAILED if errors else PartnerAccountList.Status.PREVIEWED
    account_list.full_clean()
    account_list.save()
    return rows, errors


@transaction.atomic
def partner_list_commit(*, org: Organization, actor: Actor, account_list: PartnerAccountList):
    """Import a checked list as the partner's current one: a job validates it again and, only when
    every row is valid, replaces the previous list's rows in one transaction, then recomputes the map.
    Returns the job."""
    from attribution.tasks import heavy_partner_list_import

    _same_org(org, account_list, "account_list")
    if account_list.status != PartnerAccountList.Status.PREVIEWED:
        raise ValidationError({"file": _("Check the list first: it has problems to fix or was imported already.")})
    PartnerAccountList.objects.for_org(org).filter(pk=account_list.pk).update(
        status=PartnerAccountList.Status.IMPORTING
    )
    audit_action(org=org, actor=actor, obj=account_list, verb="partner list import requested")
    return jobs.job_request(
        org=org,
        kind="attribution.mapping_list",
        key=str(account_list.account_map_id),
        scope=f"partnership:{account_list.account_map.partnership_id}",
        task=heavy_partner_list_import,
        actor=actor,
        label=_("Import of %(name)s") % {"name": account_list.original_name},
        params={"account_list_id": account_list.pk},
        lease_seconds=900,
    )


@transaction.atomic
def partner_list_delete(*, org: Organization, actor: Actor, account_map: AccountMap) -> int:
    """Delete the partner's current uploaded list and every overlap computed from it; returns rows deleted."""
    _same_org(org, account_map, "account_map")
    deleted = 0
    for current in PartnerAccountList.objects.for_org(org).filter(
        account_map=account_map, status=PartnerAccountList.Status.CURRENT
    ):
        deleted += current.rows.count()
        current.rows.all().delete()
        PartnerAccountList.objects.for_org(org).filter(pk=current.pk).update(
            status=PartnerAccountList.Status.DISCARDED, replaced_at=timezone.now()
        )
        audit_action(org=org, actor=actor, obj=current, verb="partner list deleted", changes={"rows": deleted})
    _purge_results(account_map)
    return deleted


# Match decisions --------------------------------------------------------------------------------


@transaction.atomic
def match_decide(*, org: Organization, actor: Actor, match: AccountMatch, verdict: str, side: str) -> MatchDecision:
    """Confirm or reject a fuzzy name match; remembered for the next lists (by the partner's name).

    Takes effect at once: a rejected match is removed, a confirmed one marked, and the matrix counts
    are refreshed in the same transaction.
    """
    from attribution.mapping_compute import matrix_refresh

    _same_org(org, match, "match")
    if verdict not in MatchDecision.Verdict.values:
        raise ValidationError({"verdict": _("Use confirmed or rejected.")})
    if match.method not in (AccountMatch.Method.NAME, AccountMatch.Method.CONFIRMED):
        raise ValidationError({"match": _("Only name matches can be confirmed or rejected.")})
    decision, _created = MatchDecision.objects.update_or_create(
        organization=org,
        account_map_id=match.account_map_id,
        account_id=match.account_id,
        partner_name_key=match.partner_account.name_key,
        defaults={"verdict": verdict, "side": side, "decided_by": _user(actor)},
    )
    if verdict == MatchDecision.Verdict.REJECTED:
        match.delete()
    else:
        AccountMatch.objects.for_org(org).filter(pk=match.pk).update(
            method=AccountMatch.Method.CONFIRMED, confidence=Decimal("1")
        )
    audit_action(org=org, actor=actor, obj=decision, verb=f"name match {verdict}", changes={"side": side})
    matrix_refresh(account_map=AccountMap.objects.for_org(org).get(pk=match.account_map_id))
    return decision
