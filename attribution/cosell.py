"""Co-sell: requests from an overlapping account, the attachment model and the propensity score.

A request goes to the partner's people (workspace feed, notification, e-mail: `workspaces.events`
reacts to "cosell.requested"); the partner accepts or declines in the workspace. An accepted request
becomes a touchpoint on the opportunity (or the account) and attaches the partnership to the deal
as influencing it, so the next attribution run credits the partner.

`attachment_required` and `propensity` are pure functions: their docstrings are what the pages show
under "How is this computed?".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from attribution import mapping_selectors
from attribution.mapping_models import (
    AccountMap,
    CoSellRequest,
    CoSellSettings,
    MappingSide,
    default_attachment_bands,
)
from attribution.models import Account, InfluenceType, Opportunity, OpportunityPartner
from pom import hooks
from pom.audit import Actor, audit_action, create_instance, update_fields
from pom.common import actor_user
from pom.models import Organization

INFLUENCE_BY_KIND = {
    CoSellRequest.Kind.INTRODUCTION: "Introduced a decision maker",
    CoSellRequest.Kind.ECONOMIC_BUYER: "Introduced a decision maker",
    CoSellRequest.Kind.CO_SELL: "Co-sell call",
}


_user = actor_user  # pom.common


# The attachment model and the propensity score (pure) ---------------------------------------------


def clean_bands(bands) -> list[dict]:
    """Bands as [{"above": Decimal text, "partners": int}], sorted by amount, amounts distinct."""
    cleaned = []
    for index, band in enumerate(bands or [], 1):
        try:
            above = Decimal(str(band.get("above")))
            partners = int(band.get("partners"))
        except (InvalidOperation, TypeError, ValueError, AttributeError):
            raise ValidationError(
                {"attachment_bands": _("Band %(n)d: give an amount and a number of partners.") % {"n": index}}
            ) from None
        if not above.is_finite() or above < 0 or partners < 0 or partners > 50:
            raise ValidationError(
                {
                    "attachment_bands": _(
                        "Band %(n)d: the amount must be zero or more and the partners between 0 and 50."
                    )
                    % {"n": index}
                }
            )
        cleaned.append({"above": str(above.quantize(Decimal("0.01"))), "partners": partners})
    cleaned.sort(key=lambda b: Decimal(b["above"]))
    amounts = [b["above"] for b in cleaned]
    if len(set(amounts)) != len(amounts):
        raise ValidationError({"attachment_bands": _("Two bands start at the same amount.")})
    return cleaned


def attachment_required(amount: Decimal, bands: list[dict]) -> int:
    """Partners a deal of this size needs (section 3.9): the band with the highest threshold the
    amount is above decides, e.g. above 100,000 one partner, above 250,000 three, above 500,000 five;
    below every threshold, none."""
    required = 0
    for band in sorted(bands, key=lambda b: Decimal(str(b["above"]))):
        if amount > Decimal(str(band["above"])):
            required = int(band["partners"])
    return required


PROPENSITY_WEIGHTS = {
    "partners_in_account": 15,  # per partner that has the account (as far as it shares), up to 3
    "several_partners": 10,  # two or more partners in the account
    "economic_buyer": 25,  # a partner introduced, or said it can reach, the economic buyer
    "intel": 15,  # a partner shared intel on the deal (an "Intel shared" touchpoint)
    "integration": 15,  # a technology partner has the account as a customer
}


@dataclass(frozen=True)
class Signal:
    key: str
    label: str
    points: int
    present: bool


def propensity(
    *, partners_in_account: int, economic_buyer: bool, intel: bool, integration: bool
) -> tuple[int, list[Signal]]:
    """A 0–100 partner-propensity score for an open deal, from the signals of section 3.9.

    15 points per partner that has the account as a customer, prospect or open opportunity (as far
    as each partner shares; at most three count), 10 more when there are two or more, 25 when a
    partner introduced or can reach the economic buyer (an accepted co-sell request of that kind),
    15 when a partner shared intel on the deal (an "Intel shared" touchpoint), 15 when a technology
    partner has the account as a customer. The score is the sum, at most 100.
    """
    w = PROPENSITY_WEIGHTS
    counted = min(partners_in_account, 3)
    signals = [
        Signal(
            "partners_in_account",
            _("%(n)d partner(s) have the account") % {"n": partners_in_account},
            w["partners_in_account"] * counted,
            partners_in_account > 0,
        ),
        Signal(
            "several_partners", _("Several partners in the account"), w["several_partners"], partners_in_account >= 2
        ),
        Signal("economic_buyer", _("A partner can reach the economic buyer"), w["economic_buyer"], economic_buyer),
        Signal("intel", _("A partner shared intel on the deal"), w["intel"], intel),
        Signal("integration", _("A technology partner has the account as a customer"), w["integration"], integration),
    ]
    score = sum(s.points for s in signals if s.present)
    return min(score, 100), signals


# Settings ---------------------------------------------------------------------------------------


def cosell_settings(*, org: Organization) -> CoSellSettings:
    """The organization's settings; an unsaved default row (the example bands) when none is stored."""
    return CoSellSettings.objects.for_org(org).first() or CoSellSettings(
        organization=org, attachment_bands=default_attachment_bands()
    )


@transaction.atomic
def cosell_settings_update(*, org: Organization, actor: Actor, attachment_bands) -> CoSellSettings:
    """Change the attachment model's bands (minimum partners per deal size)."""
    settings_row, _created = CoSellSettings.objects.get_or_create(organization=org)
    return update_fields(
        org=org, actor=actor, instance=settings_row, data={"attachment_bands": clean_bands(attachment_bands)}
    )


# Requests ---------------------------------------------------------------------------------------


@transaction.atomic
def cosell_request_create(
    *,
    org: Organization,
    actor: Actor,
    account_map: AccountMap,
    account: Account,
    kind: str = CoSellRequest.Kind.INTRODUCTION,
    opportunity: Opportunity | None = None,
    message: str = "",
) -> CoSellRequest:
    """Ask the partner for an introduction or co-sell help on an account both have.

    Only for an account the vendor may see in common with this partner (the partner shares at least
    the overlap for it), so a request never reveals what the partner did not share. Side effects:
    "cosell.requested" is emitted (workspace feed line, notification and e-mail to partner people).
    """
    for field, obj in (("account_map", account_map), ("account", account), ("opportunity", opportunity)):
        if obj is not None and obj.organization_id != org.id:
            raise ValidationError({field: _("Unknown in this organization.")})
    if kind not in CoSellRequest.Kind.values:
        raise ValidationError({"kind": _("Choose an introduction, the economic buyer or co-sell help.")})
    if opportunity is not None and opportunity.account_id != account.pk:
        raise ValidationError({"opportunity": _("This opportunity is on another account.")})
    if opportunity is not None and opportunity.status != Opportunity.Status.OPEN:
        raise ValidationError({"opportunity": _("Ask for help on an open opportunity.")})
    visible = mapping_selectors.partners_for_accounts(org=org, account_ids=[account.pk]).get(account.pk, [])
    shared = next((row for row in visible if row["account_map_id"] == account_map.pk), None)
    if shared is None:
        raise ValidationError({"account": _("This partner does not share this account with you.")})
    if (
        CoSellRequest.objects.for_org(org)
        .filter(account_map=account_map, account=account, kind=kind, status=CoSellRequest.Status.PENDING)
        .exists()
    ):
        raise ValidationError({"kind": _("A request of this kind is already waiting for the partner.")})
    request = create_instance(
        org=org,
        actor=actor,
        instance=CoSellRequest(
            organization=org,
            account_map=account_map,
            partnership=account_map.partnership,
            account=account,
            partner_account_id=None,
            partner_account_name=shared["name"][:200],
            opportunity=opportunity,
            kind=kind,
            message=(message or "").strip()[:2000],
            requested_by=_user(actor),
        ),
    )
    hooks.emit("cosell.requested", org=org, actor=actor, request=request)
    return request


def _influence_type(org: Organization, kind: str) -> InfluenceType:
    name = INFLUENCE_BY_KIND[kind]
    found = InfluenceType.objects.for_org(org).filter(slug=slugify(name)).first()
    if found is not None:
        return found
    return InfluenceType.objects.create(organization=org, name=name, slug=slugify(name), order=99)


@transaction.atomic
def cosell_request_answer(
    *,
    org: Organization,
    actor: Actor,
    request: CoSellRequest,
    accept: bool,
    note: str = "",
    reaches_economic_buyer: bool = False,
    side: str = MappingSide.PARTNER,
) -> CoSellRequest:
    """The partner accepts or declines. Accepting records a touchpoint (on the opportunity, else the
    account) dated now with the partner's note as evidence, and attaches the partnership to the deal
    as influencing it; attribution recomputes once committed. "cosell.answered" is emitted."""
    from attribution import services

    if request.organization_id != org.id:
        raise ValidationError({"request": _("Unknown in this organization.")})
    if side != MappingSide.PARTNER:
        raise PermissionDenied(_("The partner answers its co-sell requests."))
    request = CoSellRequest.objects.for_org(org).select_for_update().get(pk=request.pk)
    if request.status != CoSellRequest.Status.PENDING:
        raise ValidationError(
            {"status": _("This request was already answered (%(status)s).") % {"status": request.get_status_display()}}
        )
    data = {
        "status": CoSellRequest.Status.ACCEPTED if accept else CoSellRequest.Status.DECLINED,
        "answered_by": _user(actor),
        "answered_at": timezone.now(),
        "answer_note": (note or "").strip()[:2000],
        "reaches_economic_buyer": bool(
            accept and (reaches_economic_buyer or request.kind == CoSellRequest.Kind.ECONOMIC_BUYER)
        ),
    }
    if accept:
        touchpoint = services.touchpoint_create(
            org=org,
            actor=actor,
            partnership=request.partnership,
            influence_type=_influence_type(org, request.kind),
            occurred_at=timezone.now(),
            opportunity=request.opportunity,
            account=request.account,
            note=_("%(kind)s accepted: %(note)s")
            % {"kind": request.get_kind_display(), "note": data["answer_note"] or "—"},
        )
        data["touchpoint"] = touchpoint
        if (
            request.opportunity_id
            and not OpportunityPartner.objects.for_org(org)
            .filter(opportunity_id=request.opportunity_id, partnership_id=request.partnership_id)
            .exists()
        ):
            services.opportunity_partner_add(
                org=org,
                actor=actor,
                opportunity=request.opportunity,
                partnership=request.partnership,
                role=OpportunityPartner.Role.INFLUENCED,
            )
    request = update_fields(org=org, actor=actor, instance=request, data=data)
    hooks.emit("cosell.answered", org=org, actor=actor, request=request)
    return request


@transaction.atomic
def cosell_request_withdraw(*, org: Organization, actor: Actor, request: CoSellRequest) -> CoSellRequest:
    """The vendor takes back a request the partner has not answered yet."""
    if request.organization_id != org.id:
        raise ValidationError({"request": _("Unknown in this organization.")})
    if request.status != CoSellRequest.Status.PENDING:
        raise ValidationError({"status": _("Only a waiting request can be withdrawn.")})
    request = update_fields(org=org, actor=actor, instance=request, data={"status": CoSellRequest.Status.WITHDRAWN})
    audit_action(org=org, actor=actor, obj=request, verb="co-sell request withdrawn")
    return request
