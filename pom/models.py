import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's, without the existence query for a foreign key whose row is loaded on this instance.

        `full_clean()` looks every foreign key up to check that its row exists: a query per key of every
        row a service writes (a quarter of the demo's queries). A related object fetched from the
        database or saved to it exists, and the database's foreign-key constraint stands behind it at
        save. Keys given as bare ids, or with `limit_choices_to` or validators, are still looked up.
        """
        exclude = set(exclude or ())
        exclude.update(
            f.name for f in self._meta.concrete_fields if f.name not in exclude and _loaded_relation(self, f)
        )
        super().clean_fields(exclude=exclude)


def _loaded_relation(instance: models.Model, field) -> bool:
    """Whether `field` is a foreign key holding a related object that came from the database."""
    if not (field.many_to_one or field.one_to_one) or not field.is_cached(instance):
        return False
    if field.get_limit_choices_to() or field.validators:
        return False
    related = field.get_cached_value(instance)
    return (
        related is not None
        and not related._state.adding
        and related._state.db is not None
        and getattr(related, field.target_field.attname) == getattr(instance, field.attname)
    )


class OrgQuerySet(models.QuerySet):
    def for_org(self, org):
        """The one door for tenant reads: `org` is an Organization or its id."""
        return self.filter(organization=org)


class OrgOwned(TimeStamped):
    """Base of every tenant-owned row: it carries its organization directly."""

    organization = models.ForeignKey("pom.Organization", on_delete=models.CASCADE, related_name="+")
    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: vendor staff (through memberships) or a partner person (through workspaces)."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    # Blank: follow the browser (Accept-Language). Pages and e-mails to this person use it (docs/i18n.md).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return (self.name.split(" ")[0] if self.name else self.email.split("@")[0]) or self.email


class SizeBand(models.TextChoices):
    XS = "0-50", _("0–50 employees")
    S = "51-200", _("51–200 employees")
    M = "201-500", _("201–500 employees")
    L = "501-2000", _("501–2,000 employees")
    XL = "2001+", _("2,001+ employees")


class Region(models.TextChoices):
    NAM = "NAM", _("North America")
    EMEA = "EMEA", _("Europe, Middle East & Africa")
    APAC = "APAC", _("Asia Pacific")
    LATAM = "LATAM", _("Latin America")


class Industry(models.TextChoices):
    SOFTWARE = "software", _("Computer software")
    SERVICES = "services", _("Services")
    MEDIA = "media", _("Media")
    TELECOM = "telecom", _("Telecom")
    HARDWARE = "hardware", _("Computer hardware")
    FINANCIAL = "financial", _("Financial services")
    INSURANCE = "insurance", _("Insurance")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    OTHER = "other", _("Other")


class PartnerTeamBand(models.TextChoices):
    """People working in partnerships (survey bands)."""

    T0 = "0-3", _("0–3 people")
    T1 = "4-10", _("4–10 people")
    T2 = "11-50", _("11–50 people")
    T3 = "51-250", _("51–250 people")
    T4 = "251+", _("251+ people")


class PartnerOpsBand(models.TextChoices):
    """Full-time partner-operations employees."""

    NONE = "0", _("None")
    ONE = "1", _("1")
    FEW = "2-4", _("2–4")
    MANY = "5+", _("5 or more")


class LeaderReportsTo(models.TextChoices):
    CEO = "ceo", _("CEO")
    CRO = "cro", _("CRO")
    SALES = "sales", _("Senior sales leader")
    COO = "coo", _("COO")
    CMO = "cmo", _("CMO")
    MULTIPLE = "multiple", _("Multiple executives")


class ProgramModel(models.TextChoices):
    NONE = "none", _("No partner programme")
    AD_HOC = "ad_hoc", _("Ad hoc, no tiers")
    TIERED = "tiered", _("Tiered programme")
    PROGRAMMATIC = "programmatic", _("Programmatic resource allocation")


class RevenueShareBand(models.TextChoices):
    """Share of company revenue driven by partners (survey bands)."""

    ZERO = "0", _("0 %")
    LOW = "1-25", _("1–25 %")
    MID = "26-50", _("26–50 %")
    HIGH = "51-75", _("51–75 %")
    TOP = "76+", _("76 % or more")


class Maturity(models.TextChoices):
    """Crawl / walk / run, as team → function → whole business."""

    CRAWL = "crawl", _("Crawl: a team")
    WALK = "walk", _("Walk: a function")
    RUN = "run", _("Run: the whole business")


MATURITY_DIMENSIONS = {
    "maturity_strategy": _("Partner strategy"),
    "maturity_data": _("Data"),
    "maturity_technology": _("Technology"),
    "maturity_way_of_working": _("Way of working"),
}

# The peer-group profile: what cross-tenant benchmarks group organizations by (docs/benchmarks.md).
PEER_PROFILE_FIELDS = [
    "partner_team_band",
    "partner_ops_band",
    "leader_reports_to",
    "program_model",
    "partner_revenue_share",
    *MATURITY_DIMENSIONS,
]


currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR.")


class Organization(TimeStamped):
    """The tenant: a vendor running partner programs."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, default=SizeBand.S)
    region = models.CharField(max_length=8, choices=Region.choices, default=Region.EMEA)
    industry = models.CharField(max_length=20, choices=Industry.choices, default=Industry.SOFTWARE)
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # Peer-group profile (issue 10): blank means "not answered"; never guessed.
    partner_team_band = models.CharField(
        _("people in partnerships"), max_length=8, choices=PartnerTeamBand.choices, blank=True
    )
    partner_ops_band = models.CharField(
        _("full-time partner-operations employees"), max_length=4, choices=PartnerOpsBand.choices, blank=True
    )
    leader_reports_to = models.CharField(
        _("the top partner leader reports to"), max_length=10, choices=LeaderReportsTo.choices, blank=True
    )
    program_model = models.CharField(
        _("partner programme model"), max_length=14, choices=ProgramModel.choices, blank=True
    )
    partner_revenue_share = models.CharField(
        _("share of revenue driven by partners"), max_length=6, choices=RevenueShareBand.choices, blank=True
    )
    maturity_strategy = models.CharField(
        _("maturity: partner strategy"), max_length=6, choices=Maturity.choices, blank=True
    )
    maturity_data = models.CharField(_("maturity: data"), max_length=6, choices=Maturity.choices, blank=True)
    maturity_technology = models.CharField(
        _("maturity: technology"), max_length=6, choices=Maturity.choices, blank=True
    )
    maturity_way_of_working = models.CharField(
        _("maturity: way of working"), max_length=6, choices=Maturity.choices, blank=True
    )
    benchmark_opt_in = models.BooleanField(
        _("share anonymised benchmarks"),
        default=False,
        help_text=_("Contribute one median per metric to cross-organization benchmarks and see theirs."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 1, Role.MANAGER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def role_at_least(role: str | None, required: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[required]


class Membership(TimeStamped):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    # The organization's door (`for_org`) like every tenant row; a user's own list is `filter(user=...)`.
    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]
        ordering = ["organization", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class OrgInvitation(OrgOwned):
    """An e-mail invitation into an organization with a role; the token is stored hashed."""

    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "email"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization_id}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiKey(OrgOwned):
    """An organization API key. Only a SHA-256 hash and a visible prefix are stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class AuditEvent(OrgOwned):
    """Who (user or API key) did what to which object, when, and which fields changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        ACTION = "action", _("Action")

    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    verb = models.CharField(max_length=60, blank=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id", "-created_at"]),
            models.Index(fields=["organization", "-created_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.verb or self.action} {self.object_type}#{self.object_id}"


class Job(OrgOwned):
    """One background job (a computation, an import, an export) that pages and the API poll.

    Written only through `pom.jobs`: requested (queued), claimed by a worker under a lease that its
    progress reports extend, finished, failed or cancelled. At most one queued and one running job
    per organization, kind and key, so repeated requests join the queued one and a job never runs
    twice at once; a worker that dies leaves an expired lease, which `pom.jobs.jobs_reclaim`
    restarts (up to `max_attempts`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=100, blank=True, help_text=_("Narrows the kind, e.g. one partnership's id."))
    scope = models.CharField(
        max_length=60, blank=True, help_text=_("Who else may watch it, e.g. 'workspace:12' for partner people.")
    )
    label = models.CharField(max_length=200, blank=True)
    task_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    lease_seconds = models.PositiveIntegerField(default=300)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "key"],
                condition=models.Q(status="queued"),
                name="job_one_queued_per_kind_and_key",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "key"],
                condition=models.Q(status="running"),
                name="job_one_running_per_kind_and_key",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "-created_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label or self.kind} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class OrgDeletion(OrgOwned):
    """An owner's request to delete the organization: carried out at `scheduled_for` unless cancelled.

    `export_job` is the final export made when it was requested (owners download it meanwhile).
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    scheduled_for = models.DateTimeField()
    export_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "scheduled_for"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Deletion of {self.organization_id} on {self.scheduled_for:%Y-%m-%d}"


# Models of pom kept in their own modules, imported here so Django registers them.
from pom.models_security import LoginThrottle, OrgSecurity  # noqa: E402, F401
from pom.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
