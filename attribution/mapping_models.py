"""Account mapping and co-sell: which customers a vendor and a partner share, with both sides' consent.

One `AccountMap` per partnership holds the two opt-ins and where the partner's accounts come from (a
list partner people upload in their workspace, or the partner's own organization on POM). The vendor's
accounts are grouped into `Population`s; the partner's rows carry one of three population kinds. Each
side sets, per population pair, what the other side sees (`SharingRule`); `mapping_selectors` is the
one place that applies those levels. A recomputation (a `pom.jobs` job) writes the matched pairs
(`AccountMatch`) and the overlap matrix; fuzzy name matches can be confirmed or rejected
(`MatchDecision`, remembered across re-uploads). A `CoSellRequest` turns an overlap into an
introduction the partner accepts or declines, and an accepted one becomes a touchpoint.

Imported at the end of `attribution.models`, so the app's migrations see these models.
"""

from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class MappingSide(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


class ShareLevel(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    COUNTS = "counts", _("Counts only")
    OVERLAP = "overlap", _("Overlapping accounts")
    FULL = "full", _("Everything in the population")


SHARE_RANK = {ShareLevel.HIDDEN: 0, ShareLevel.COUNTS: 1, ShareLevel.OVERLAP: 2, ShareLevel.FULL: 3}


class PartnerPopulation(models.TextChoices):
    """What an account is to the partner; every partner row has exactly one."""

    CUSTOMER = "customer", _("Customers")
    PROSPECT = "prospect", _("Prospects")
    OPPORTUNITY = "opportunity", _("Open opportunities")


class Population(OrgOwned):
    """A group of the vendor's accounts: the three standard ones, or a custom one defined by filters.

    `filters` (custom populations) may hold: type (customer/prospect), region, industry (exact, case
    ignored), has_open_opportunity (bool), min_open_amount (decimal text).
    """

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        PROSPECTS = "prospects", _("Prospects")
        OPEN_OPPORTUNITIES = "open_opportunities", _("Open opportunities")
        CUSTOM = "custom", _("Custom")

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    filters = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="population_unique_slug")]
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class AccountMap(OrgOwned):
    """The account mapping between the vendor and one partnership: consents, source, last result.

    `matrix` is written by the recomputation: {"cells": {"<population id>:<partner kind>": n},
    "vendor_totals": {"<population id>": n}, "partner_totals": {"<kind>": n}, "fuzzy": n,
    "matches": n}. `changed_at` moves whenever an input changes, so the page can say the map is stale.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", _("A list uploaded by the partner")
        LINKED = "linked", _("The partner's own accounts on POM")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="account_maps")
    vendor_opt_in_at = models.DateTimeField(null=True, blank=True)
    vendor_opt_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_opt_in_at = models.DateTimeField(null=True, blank=True)
    partner_opt_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UPLOAD)
    linked_consent_at = models.DateTimeField(null=True, blank=True)
    linked_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor_fields = models.JSONField(default=list, blank=True, help_text=_("Vendor fields the partner may see"))
    partner_fields = models.JSONField(default=list, blank=True, help_text=_("Partner fields the vendor may see"))
    matrix = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "partnership"], name="accountmap_unique")]
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"Account map of partnership {self.partnership_id}"

    @property
    def both_opted_in(self) -> bool:
        return self.vendor_opt_in_at is not None and self.partner_opt_in_at is not None

    @property
    def is_stale(self) -> bool:
        return self.computed_at is None or (self.changed_at is not None and self.changed_at > self.computed_at)


class PartnerAccountList(OrgOwned):
    """One list of the partner's accounts: an upload (previewed, then committed) or a copy of the
    partner organization's own accounts. Committing a list replaces the previous one's rows."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWED = "previewed", _("Checked")
        IMPORTING = "importing", _("Importing")
        CURRENT = "current", _("In use")
        REPLACED = "replaced", _("Replaced")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    account_map = models.ForeignKey(AccountMap, on_delete=models.CASCADE, related_name="lists")
    source = models.CharField(max_length=8, choices=AccountMap.Source.choices, default=AccountMap.Source.UPLOAD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    original_name = models.CharField(max_length=255, blank=True)
    file_path = models.CharField(max_length=300, blank=True)
    file_type = models.CharField(max_length=5, blank=True)
    headers = models.JSONField(default=list, blank=True)
    column_mapping = models.JSONField(default=dict, blank=True)
    default_population = models.CharField(
        max_length=12, choices=PartnerPopulation.choices, default=PartnerPopulation.CUSTOMER
    )
    errors = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    population_counts = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "account_map", "status"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or f"Partner list {self.pk}"


class PartnerAccount(OrgOwned):
    """One account of the partner's current list, with the keys it is matched on (set at ingest)."""

    account_map = models.ForeignKey(AccountMap, on_delete=models.CASCADE, related_name="partner_accounts")
    account_list = models.ForeignKey(PartnerAccountList, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    domain_key = models.BigIntegerField(null=True, blank=True)
    duns = models.CharField(max_length=9, blank=True)
    vat = models.CharField(max_length=15, blank=True)
    siret = models.CharField(max_length=14, blank=True)
    population = models.CharField(max_length=12, choices=PartnerPopulation.choices)
    external_id = models.CharField(max_length=64, blank=True)
    industry = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True)
    owner_name = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [
            # Key columns only (no INCLUDE), so the exact overlap is a merge join of two index-only scans.
            models.Index(fields=["organization", "account_map", "domain_key", "id"], name="partneraccount_domain_key"),
            models.Index(fields=["organization", "account_map", "population", "name"], name="partneraccount_pop"),
            # Only the rows with a registration number (few, usually none): which numbers a list holds is an
            # index probe, so a recomputation skips the registration joins a list cannot match.
            models.Index(
                fields=["organization", "account_map"],
                name="partneraccount_registration",
                condition=~Q(duns="") | ~Q(vat="") | ~Q(siret=""),
            ),
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AccountMatch(OrgOwned):
    """A vendor account and a partner account that are the same company, and how we know."""

    class Method(models.TextChoices):
        DOMAIN = "domain", _("Same web domain")
        REGISTRATION = "registration", _("Same registration number")
        NAME = "name", _("Similar name")
        CONFIRMED = "confirmed", _("Confirmed by a person")

    # Derived rows, rewritten by every recomputation: no database-level foreign-key checks (Django still
    # cascades deletions), so writing a few hundred thousand matched pairs costs the insert, not triggers;
    # and only the indexes the readers use (each one costs every written pair): (map, account) for the
    # map's pages and counts, account for "which partners have this account" and deletions, partner
    # account for deletions of list rows. The organization is still on every row (read via `for_org`).
    organization = models.ForeignKey(
        "pom.Organization", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    account_map = models.ForeignKey(
        AccountMap, on_delete=models.CASCADE, related_name="matches", db_constraint=False, db_index=False
    )
    account = models.ForeignKey(
        "attribution.Account", on_delete=models.CASCADE, related_name="mapping_matches", db_constraint=False
    )
    partner_account = models.ForeignKey(
        PartnerAccount, on_delete=models.CASCADE, related_name="matches", db_constraint=False
    )
    method = models.CharField(max_length=12, choices=Method.choices)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("1"))

    class Meta:
        indexes = [models.Index(fields=["account_map", "account"], name="accountmatch_map_account")]
        ordering = ["account_map", "account", "id"]

    def __str__(self) -> str:
        return f"{self.account_id} = {self.partner_account_id} ({self.method})"


class MatchDecision(OrgOwned):
    """A person's verdict on a fuzzy name match, kept by the partner account's normalised name so it
    survives re-uploads of the list."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    account_map = models.ForeignKey(AccountMap, on_delete=models.CASCADE, related_name="decisions")
    account = models.ForeignKey("attribution.Account", on_delete=models.CASCADE, related_name="+")
    partner_name_key = models.CharField(max_length=200)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    side = models.CharField(max_length=8, choices=MappingSide.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account_map", "account", "partner_name_key"], name="matchdecision_unique"
            )
        ]
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.verdict}: {self.account_id} = {self.partner_name_key}"


class SharingRule(OrgOwned):
    """What one side lets the other see of one population pair. No row means counts only."""

    account_map = models.ForeignKey(AccountMap, on_delete=models.CASCADE, related_name="sharing_rules")
    side = models.CharField(max_length=8, choices=MappingSide.choices, help_text=_("The side that shares"))
    vendor_population = models.ForeignKey(Population, on_delete=models.CASCADE, related_name="+")
    partner_population = models.CharField(max_length=12, choices=PartnerPopulation.choices)
    level = models.CharField(max_length=8, choices=ShareLevel.choices, default=ShareLevel.COUNTS)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account_map", "side", "vendor_population", "partner_population"],
                name="sharingrule_unique",
            )
        ]
        ordering = ["account_map", "side", "vendor_population", "partner_population"]

    def __str__(self) -> str:
        return f"{self.side}: {self.vendor_population_id}×{self.partner_population} = {self.level}"


class CoSellRequest(OrgOwned):
    """The vendor asks the partner for an introduction or co-sell help on an account in common."""

    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction to the account")
        ECONOMIC_BUYER = "economic_buyer", _("Introduction to the economic buyer")
        CO_SELL = "co_sell", _("Co-sell help on the deal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the partner")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    account_map = models.ForeignKey(AccountMap, on_delete=models.CASCADE, related_name="cosell_requests")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("attribution.Account", on_delete=models.CASCADE, related_name="cosell_requests")
    partner_account = models.ForeignKey(PartnerAccount, on_delete=models.SET_NULL, null=True, blank=True)
    partner_account_name = models.CharField(max_length=200, help_text=_("The account as the partner knows it"))
    opportunity = models.ForeignKey(
        "attribution.Opportunity", on_delete=models.SET_NULL, null=True, blank=True, related_name="cosell_requests"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INTRODUCTION)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(max_length=2000, blank=True)
    reaches_economic_buyer = models.BooleanField(default=False)
    touchpoint = models.ForeignKey(
        "attribution.Touchpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account_map", "account", "kind"],
                condition=Q(status="pending"),
                name="cosell_one_pending_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="cosell_status"),
            models.Index(fields=["organization", "account_map", "-created_at"], name="cosell_map"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.partner_account_name}"


def default_attachment_bands() -> list[dict]:
    """The example of section 3.9: above 100,000 one partner, above 250,000 three, above 500,000 five."""
    return [{"above": "100000", "partners": 1}, {"above": "250000", "partners": 3}, {"above": "500000", "partners": 5}]


class CoSellSettings(OrgOwned):
    """One per organization: the attachment model of section 3.9 (minimum partners per deal size).

    `attachment_bands`: [{"above": "100000", "partners": 1}, ...] in the organization's currency; a deal
    needs the partners of the highest band its amount is above.
    """

    attachment_bands = models.JSONField(default=default_attachment_bands, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="cosellsettings_one_per_org")]

    def __str__(self) -> str:
        return f"Co-sell settings of {self.organization_id}"


@receiver(pre_delete, sender=AccountMap, dispatch_uid="attribution.accountmap_match_tables")
def _drop_match_tables(sender, instance: AccountMap, using: str, **kwargs) -> None:
    """A big map's matches are tables of its own (PostgreSQL, migration 0013): drop them with the map
    (before the row goes, so the helper can check the map is the organization's). Also on cascades."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    table = AccountMatch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = %s OR relname LIKE %s)",
            [f"{table}_m{instance.pk}", f"{table}_m{instance.pk}_".replace("_", "\\_") + "%"],
        )
        if cursor.fetchone()[0]:
            cursor.execute("SELECT pom_accountmatch_drop(%s, %s)", [instance.organization_id, instance.pk])
