"""The partner side of account mapping and co-sell, in the partnership's workspace.

Partner people work here through their `WorkspaceAccess`: editors upload the partner's account list,
review name matches and answer co-sell requests; the partner-side workspace OWNER gives or withdraws
consent and decides what is shared. Each wrapper checks the rule, then calls the attribution service
with `side="partner"`. Only a workspace of exactly one partnership has a map (a deal room gathers
several partners, whose people must not see each other's lists).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from attribution import cosell
from attribution import mapping_services as mapping
from attribution.mapping_models import AccountMap, AccountMatch, CoSellRequest, MappingSide, PartnerAccountList
from partners.models import Partnership
from workspaces.selectors import WorkspaceAccess


def mapping_partnership(*, access: WorkspaceAccess) -> Partnership | None:
    """The one partnership whose map this workspace shows, or None (deal rooms, several partnerships)."""
    workspace = access.workspace
    if not workspace.is_default:
        return None
    links = list(workspace.partnership_links.select_related("partnership__partner")[:2])
    return links[0].partnership if len(links) == 1 else None


def workspace_map(*, access: WorkspaceAccess) -> AccountMap:
    """The map of this workspace's partnership (created, with nothing shared, on first visit)."""
    partnership = mapping_partnership(access=access)
    if partnership is None:
        raise PermissionDenied(_("Account mapping happens in the partnership's own workspace."))
    return mapping.account_map_ensure(org=access.workspace.organization, partnership=partnership)


def _partner_side(access: WorkspaceAccess, *, owner: bool = False) -> None:
    if access.is_vendor:
        raise PermissionDenied(_("The vendor side manages the map in Pipeline → Account mapping."))
    if owner and not access.can_manage:
        raise PermissionDenied(_("Only an owner of this workspace on the partner side can decide what is shared."))
    if not owner and not access.can_edit:
        raise PermissionDenied(_("Viewers can look at the map but not change it."))


def partner_opt_in(*, access: WorkspaceAccess, actor) -> AccountMap:
    """The partner's consent to compare account lists (partner-side workspace owner)."""
    _partner_side(access, owner=True)
    org = access.workspace.organization
    return mapping.mapping_opt_in(
        org=org, actor=actor, account_map=workspace_map(access=access), side=MappingSide.PARTNER
    )


def partner_withdraw(*, access: WorkspaceAccess, actor) -> AccountMap:
    """Withdraw the partner's consent: overlaps are deleted and nothing is shown any more."""
    _partner_side(access, owner=True)
    org = access.workspace.organization
    return mapping.mapping_withdraw(
        org=org, actor=actor, account_map=workspace_map(access=access), side=MappingSide.PARTNER
    )


def partner_sharing_set(*, access: WorkspaceAccess, actor, levels: dict, fields: list[str]) -> AccountMap:
    """What the partner lets the vendor see, per population pair, and which of its fields."""
    _partner_side(access, owner=True)
    org = access.workspace.organization
    return mapping.sharing_set(
        org=org,
        actor=actor,
        account_map=workspace_map(access=access),
        side=MappingSide.PARTNER,
        levels=levels,
        fields=fields,
    )


def partner_linked_consent(*, access: WorkspaceAccess, actor, give: bool) -> AccountMap:
    """Use (or stop using) the partner organization's own POM accounts; the service checks ownership."""
    _partner_side(access, owner=True)
    org = access.workspace.organization
    account_map = workspace_map(access=access)
    if give:
        return mapping.linked_consent_give(org=org, actor=actor, account_map=account_map)
    return mapping.linked_consent_withdraw(org=org, actor=actor, account_map=account_map)


def partner_list_upload(*, access: WorkspaceAccess, actor, upload) -> PartnerAccountList:
    _partner_side(access)
    org = access.workspace.organization
    return mapping.partner_list_upload(org=org, actor=actor, account_map=workspace_map(access=access), upload=upload)


def _own_list(access: WorkspaceAccess, account_list: PartnerAccountList) -> None:
    if account_list.account_map_id != workspace_map(access=access).pk:
        raise ValidationError({"account_list": _("This list belongs to another workspace.")})


def partner_list_preview(
    *, access: WorkspaceAccess, account_list: PartnerAccountList, mapping_: dict, default_population: str
):
    _partner_side(access)
    _own_list(access, account_list)
    return mapping.partner_list_preview(
        org=access.workspace.organization,
        account_list=account_list,
        mapping=mapping_,
        default_population=default_population,
    )


def partner_list_commit(*, access: WorkspaceAccess, actor, account_list: PartnerAccountList):
    _partner_side(access)
    _own_list(access, account_list)
    return mapping.partner_list_commit(org=access.workspace.organization, actor=actor, account_list=account_list)


def partner_list_delete(*, access: WorkspaceAccess, actor) -> int:
    _partner_side(access, owner=True)
    return mapping.partner_list_delete(
        org=access.workspace.organization, actor=actor, account_map=workspace_map(access=access)
    )


def partner_match_decide(*, access: WorkspaceAccess, actor, match: AccountMatch, verdict: str):
    _partner_side(access)
    if match.account_map_id != workspace_map(access=access).pk:
        raise ValidationError({"match": _("This match belongs to another workspace.")})
    return mapping.match_decide(
        org=access.workspace.organization, actor=actor, match=match, verdict=verdict, side=MappingSide.PARTNER
    )


def partner_cosell_answer(
    *, access: WorkspaceAccess, actor, request: CoSellRequest, accept: bool, note: str = "", economic_buyer=False
) -> CoSellRequest:
    """Accept or decline a co-sell request of this workspace's partnership (partner-side editor)."""
    _partner_side(access)
    if request.partnership_id != workspace_map(access=access).partnership_id:
        raise ValidationError({"request": _("This request belongs to another workspace.")})
    return cosell.cosell_request_answer(
        org=access.workspace.organization,
        actor=actor,
        request=request,
        accept=accept,
        note=note,
        reaches_economic_buyer=economic_buyer,
        side=MappingSide.PARTNER,
    )
