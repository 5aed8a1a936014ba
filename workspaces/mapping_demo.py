"""Demo account mapping: two partners whose people upload their lists, agree and share; some name
matches wait to be confirmed; an introduction asked by the vendor is accepted by the partner (a
touchpoint credited at the next attribution run) and another one waits for an answer.

Called at the end of `workspaces.demo.seed`, once partner people exist. Partner people do their own
part through the workspace services (upload, consent, sharing, answer), as they would on the pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from attribution import cosell
from attribution import mapping_services as mapping
from attribution.mapping_models import AccountMap, AccountMatch, Population
from attribution.models import Account, Opportunity
from attribution.tasks import heavy_account_map_compute, heavy_partner_list_import
from pom.models import Job, Role
from workspaces import mapping_services, selectors
from workspaces import services as workspace_services
from workspaces.models import Side, WorkspaceRole

PARTNER_ONLY = [
    "Northwind Traders",
    "Contoso Pharma",
    "Fabrikam Motors",
    "Litware Games",
    "Adatum Security",
    "Tailspin Toys",
    "Proseware Labs",
    "Wide World Importers",
]
NAME_VARIANTS = ["{} Ltd.", "{} GmbH", "The {} Inc"]


def _typo(name: str) -> str:
    """A letter dropped from the first long word, as people type it."""
    words = name.split()
    for i, word in enumerate(words):
        if len(word) >= 6:
            words[i] = word[:3] + word[4:]
            break
    return " ".join(words)


def _run_jobs(org, kind: str) -> None:
    """Run the queued jobs of a kind now, so the demo shows their result without a worker."""
    task = heavy_partner_list_import if kind == "attribution.mapping_list" else heavy_account_map_compute
    for job in Job.objects.for_org(org).filter(kind=kind, status=Job.Status.QUEUED).order_by("id"):
        task(org.id, job.pk)


def _list_csv(ctx, accounts: list[Account], offset: int) -> bytes:
    """A partner's export: most accounts by domain (spelt their way), a few by name only, plus its own."""
    rng = ctx.rng
    lines = ["Company,Website,Status,Country,Account owner"]
    for index, account in enumerate(accounts):
        status = rng.choice(["customer", "customer", "prospect", "opportunity"])
        if index % 5 == 4:  # no domain in their CRM: matched on the name, to be confirmed
            variant = NAME_VARIANTS[(index // 5) % len(NAME_VARIANTS)]
            name = variant.format(_typo(account.name) if index % 2 else account.name)
            lines.append(f"{name},,{status},DE,")
        else:
            website = rng.choice([f"https://www.{account.domain}", f"shop.{account.domain}", account.domain])
            lines.append(f"{account.name.upper() if index % 3 == 0 else account.name},{website},{status},US,")
    for name in PARTNER_ONLY[offset : offset + 4]:
        lines.append(f"{name},{name.split()[0].lower()}.example,customer,FR,")
    return ("\n".join(lines) + "\n").encode()


def seed_mapping(ctx) -> None:
    org = ctx.org
    owner = ctx.users[Role.OWNER]
    admin = ctx.users.get(Role.ADMIN) or owner
    manager = ctx.users.get(Role.MANAGER) or owner
    accounts = list(Account.objects.for_org(org).exclude(domain="").order_by("id"))
    maps = []
    for offset, workspace in enumerate(_default_workspaces(org)[:2]):
        members = [m for m in selectors.member_list(workspace=workspace) if m.side == Side.PARTNER]
        if not members or not accounts:
            continue
        lead = members[0]
        vendor_access = selectors.workspace_access(user=owner, workspace=workspace)
        workspace_services.member_set_role(access=vendor_access, actor=owner, member=lead, role=WorkspaceRole.OWNER)
        access = selectors.workspace_access(user=lead.user, workspace=workspace)
        account_map = mapping_services.workspace_map(access=access)
        mapping.mapping_opt_in(org=org, actor=admin, account_map=account_map, side="vendor")
        mapping_services.partner_opt_in(access=access, actor=lead.user)
        chosen = accounts[offset * 6 : offset * 6 + 16]
        upload = SimpleUploadedFile(f"{workspace.name[:20]} customers.csv", _list_csv(ctx, chosen, offset * 4))
        account_list = mapping_services.partner_list_upload(access=access, actor=lead.user, upload=upload)
        mapping_services.partner_list_preview(
            access=access,
            account_list=account_list,
            mapping_=account_list.column_mapping,
            default_population="customer",
        )
        mapping_services.partner_list_commit(access=access, actor=lead.user, account_list=account_list)
        _run_jobs(org, "attribution.mapping_list")
        populations = {p.kind: p.pk for p in Population.objects.for_org(org)}
        partner_levels = {
            (populations["customers"], "customer"): "overlap",
            (populations["prospects"], "customer"): "full" if offset == 0 else "overlap",
            (populations["open_opportunities"], "opportunity"): "overlap",
            (populations["open_opportunities"], "customer"): "overlap",
        }
        mapping_services.partner_sharing_set(
            access=access, actor=lead.user, levels=partner_levels, fields=["country", "owner_name"]
        )
        mapping.sharing_set(
            org=org,
            actor=admin,
            account_map=account_map,
            side="vendor",
            levels={
                (populations["customers"], "customer"): "overlap",
                (populations["prospects"], "customer"): "overlap",
            },
            fields=["industry", "open_opportunities"],
        )
        _run_jobs(org, "attribution.mapping")
        maps.append((AccountMap.objects.for_org(org).get(pk=account_map.pk), access, lead.user))
    if maps:
        _cosell(ctx, maps, manager)


def _default_workspaces(org):
    from workspaces.models import Workspace

    return list(
        Workspace.objects.for_org(org).filter(is_default=True, members__side=Side.PARTNER).distinct().order_by("name")
    )


def _cosell(ctx, maps, manager) -> None:
    """One introduction accepted (a touchpoint on the deal) and one waiting, on shared accounts."""
    org = ctx.org
    account_map, access, partner_person = maps[0]
    matched = (
        AccountMatch.objects.for_org(org)
        .filter(account_map=account_map, account__opportunities__status=Opportunity.Status.OPEN)
        .select_related("account")
        .order_by("account__name")
        .distinct()
    )
    requests = []
    for match in matched[:6]:
        deal = Opportunity.objects.for_org(org).filter(account=match.account, status="open").order_by("-amount").first()
        try:
            requests.append(
                cosell.cosell_request_create(
                    org=org,
                    actor=manager,
                    account_map=account_map,
                    account=match.account,
                    opportunity=deal,
                    kind="economic_buyer" if not requests else "introduction",
                    message="We are in the proposal stage; could you introduce us to their CFO?",
                )
            )
        except ValidationError:  # an account this partner does not share with us: try the next one
            continue
        if len(requests) == 2:
            break
    if requests:
        mapping_services.partner_cosell_answer(
            access=access,
            actor=partner_person,
            request=requests[0],
            accept=True,
            note="Introduced Dana Whitfield (CFO) at their offices on Tuesday.",
            economic_buyer=True,
        )
        # Credit it now, as the attribution demo does, so the deal shows the partner's influence at once.
        from attribution import runs
        from attribution.models import AttributionRun

        run = AttributionRun.objects.create(organization=org, trigger="demo", requested_by=manager)
        runs.attribution_run_execute(org=org, run=run)
