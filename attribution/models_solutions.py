"""Joint solutions: ideas from either side, vetting, a lifecycle of steps from a reusable template.

A solution's partners and their attribution split live in the split-rule library: the solution owns one
`SplitRule` (match on joint solution = its title), so a deal whose `joint_solution` names it is credited
by that rule (see `attribution.solutions`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class Phase(models.TextChoices):
    BUILD = "build", _("Build")
    APPROVE = "approve", _("Approve")
    CERTIFY = "certify", _("Certify")
    PUBLISH = "publish", _("Package and publish")
    LAUNCH = "launch", _("Launch")
    JOINT_SELL = "joint_sell", _("Joint sell")


class OwnerSide(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")
    BOTH = "both", _("Both")


class SolutionTemplate(OrgOwned):
    """A reusable co-development lifecycle: the same steps for every joint solution."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="solutiontemplate_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SolutionTemplateStep(OrgOwned):
    template = models.ForeignKey(SolutionTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    phase = models.CharField(max_length=12, choices=Phase.choices)
    owner_side = models.CharField(max_length=8, choices=OwnerSide.choices, default=OwnerSide.BOTH)
    vendor_approval = models.BooleanField(default=True)
    partner_approval = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "template", "order"], name="solutiontemplatestep_order")
        ]
        ordering = ["template", "order"]

    def __str__(self) -> str:
        return self.name


class JointSolution(OrgOwned):
    """A co-built, co-sold offering, from idea to joint selling."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        VETTING = "vetting", _("Vetting")
        REJECTED = "rejected", _("Not pursued")
        ACTIVE = "active", _("In progress")
        LAUNCHED = "launched", _("Launched")
        RETIRED = "retired", _("Retired")

    class Source(models.TextChoices):
        FIELD = "field", _("Vendor field team")
        PARTNER = "partner", _("Partner")

    class Certification(models.TextChoices):
        NONE = "none", _("Not certified")
        IN_REVIEW = "in_review", _("In review")
        CERTIFIED = "certified", _("Certified")
        FAILED = "failed", _("Failed")

    title = models.CharField(max_length=120)
    problem = models.TextField(help_text=_("The customer problem it solves"))
    target_customers = models.TextField(blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.FIELD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDEA)
    template = models.ForeignKey(
        SolutionTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="solutions"
    )
    certification = models.CharField(max_length=10, choices=Certification.choices, default=Certification.NONE)
    badge = models.BooleanField(default=False, help_text=_("Shows the certified-solution badge"))
    marketplace_url = models.URLField(blank=True)
    listed_on = models.DateField(null=True, blank=True)
    vetting_note = models.TextField(blank=True)
    split_rule = models.ForeignKey(
        "attribution.SplitRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="solutions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "title"], name="jointsolution_unique_title")]
        indexes = [models.Index(fields=["organization", "status"])]
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SolutionPartner(OrgOwned):
    """A partnership building the solution, with its share of the credit for deals on it."""

    solution = models.ForeignKey(JointSolution, on_delete=models.CASCADE, related_name="partner_links")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="solution_links")
    role = models.CharField(max_length=60, blank=True, help_text=_("e.g. ISV, SI, hyperscaler"))
    share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "solution", "partnership"], name="solutionpartner_unique")
        ]
        ordering = ["solution", "id"]

    def __str__(self) -> str:
        return f"{self.partnership_id} on {self.solution_id}"


class SolutionStep(OrgOwned):
    """One step of a solution's lifecycle: an owner side, an owner, and approvals from each side."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    solution = models.ForeignKey(JointSolution, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    phase = models.CharField(max_length=12, choices=Phase.choices)
    owner_side = models.CharField(max_length=8, choices=OwnerSide.choices, default=OwnerSide.BOTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    vendor_approval = models.BooleanField(default=True)
    partner_approval = models.BooleanField(default=True)
    vendor_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor_approved_at = models.DateTimeField(null=True, blank=True)
    partner_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_approved_at = models.DateTimeField(null=True, blank=True)
    marked_done_at = models.DateTimeField(null=True, blank=True, help_text=_("When the owner side marked it done"))
    marked_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True, help_text=_("Done and approved by every side it needs"))
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "solution", "order"], name="solutionstep_order")]
        ordering = ["solution", "order"]

    def __str__(self) -> str:
        return self.name
