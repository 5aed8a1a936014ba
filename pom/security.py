"""Account security: sign-in lockout, required MFA, sessions, and the organization's sign-in policy.

Lockout. Failed sign-ins are counted per account and per client address in `LoginThrottle` rows,
which every web process shares (the database), on top of allauth's own per-process limits:
1. `login_check` runs before the password is checked: a locked account or address is refused at
   once with a message saying until when and how to unlock (reset the password, or wait).
2. `login_failed` adds one failure to both counters (in a window of POM_LOGIN_WINDOW_MINUTES);
   reaching POM_LOGIN_MAX_FAILURES (account) or POM_LOGIN_MAX_FAILURES_PER_ADDRESS (address)
   locks it for POM_LOGIN_LOCKOUT_MINUTES, audits it in the person's organizations and mails the
   account holder the unlock path.
3. A successful sign-in clears the account's counter; a password reset unlocks the account.

MFA. An owner can require two-factor authentication for every member (`OrgSecurity.require_mfa`);
`POM_REQUIRE_MFA_FOR_ADMINS` requires it of every owner and admin of every organization. A member
without it reaches the organization's pages only after setting it up (`mfa_missing`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pom import rls
from pom.audit import Actor, audit_action, update_fields
from pom.models import Membership, Organization, Role, User, role_at_least
from pom.models_security import LoginThrottle, OrgSecurity


class AccountLocked(ValidationError):
    """Raised before the password check while an account or an address is locked."""


def _account_key(email: str) -> str:
    return f"account:{(email or '').strip().lower()}"


def _address_key(address: str) -> str:
    return f"ip:{address}"


def _minutes_left(until: datetime.datetime) -> int:
    return max(1, int((until - timezone.now()).total_seconds() // 60) + 1)


def login_check(*, email: str, address: str) -> None:
    """Refuse a sign-in attempt while its account or address is locked (before any password check)."""
    now = timezone.now()
    locks = dict(
        LoginThrottle.objects.filter(
            key__in=[_account_key(email), _address_key(address)], locked_until__gt=now
        ).values_list("key", "locked_until")
    )
    if _account_key(email) in locks:
        raise AccountLocked(
            _(
                "Too many failed sign-ins for this account: it is locked for %(minutes)s more minutes. "
                "Reset your password to unlock it now."
            )
            % {"minutes": _minutes_left(locks[_account_key(email)])}
        )
    if _address_key(address) in locks:
        raise AccountLocked(
            _("Too many failed sign-ins from your network address: try again in %(minutes)s minutes.")
            % {"minutes": _minutes_left(locks[_address_key(address)])}
        )


def _count_failure(key: str, limit: int, now: datetime.datetime) -> bool:
    """Add one failure to `key`'s window; True when this failure locks it."""
    window = datetime.timedelta(minutes=settings.POM_LOGIN_WINDOW_MINUTES)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, _created = LoginThrottle.objects.select_for_update().get_or_create(
                    key=key, defaults={"window_started_at": now}
                )
        except IntegrityError:  # another process created it between our read and insert
            row = LoginThrottle.objects.select_for_update().get(key=key)
        if row.window_started_at < now - window and not (row.locked_until and row.locked_until > now):
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        locks = row.failures >= limit and not (row.locked_until and row.locked_until > now)
        if locks:
            row.locked_until = now + datetime.timedelta(minutes=settings.POM_LOGIN_LOCKOUT_MINUTES)
        row.save()
    return locks


def login_failed(*, email: str, address: str) -> None:
    """Count a failed sign-in for the account and the address; lock, audit and mail at the limit."""
    now = timezone.now()
    account_locked = _count_failure(_account_key(email), settings.POM_LOGIN_MAX_FAILURES, now)
    address_locked = _count_failure(_address_key(address), settings.POM_LOGIN_MAX_FAILURES_PER_ADDRESS, now)
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        return
    if account_locked:
        audit_user(user=user, actor=None, verb="account.locked", changes={"address": address})
        from django.urls import reverse

        from pom.l10n import in_language_of
        from pom.services import email_send

        with in_language_of(user):  # the mail in the locked person's language
            email_send(
                to=[user.email],
                subject=_("[POM] Your account was locked after failed sign-ins"),
                body=_(
                    "Someone (perhaps you) failed to sign in to POM as %(email)s %(n)s times, from %(address)s. "
                    "The account is locked for %(minutes)s minutes.\n\n"
                    "If it was you, reset your password to unlock it now:\n%(url)s\n\n"
                    "If it was not you, reset your password too and turn on two-factor authentication."
                )
                % {
                    "email": user.email,
                    "n": settings.POM_LOGIN_MAX_FAILURES,
                    "address": address,
                    "minutes": settings.POM_LOGIN_LOCKOUT_MINUTES,
                    "url": settings.SITE_URL + reverse("account_reset_password"),
                },
            )
    elif address_locked:
        audit_user(user=user, actor=None, verb="address.locked", changes={"address": address})


def login_succeeded(*, email: str) -> None:
    LoginThrottle.objects.filter(key=_account_key(email)).delete()


def account_unlock(*, user: User, actor: Actor, reason: str) -> bool:
    """Lift the lock of an account (a password reset, or an operator); audited when there was one."""
    deleted, _rows = LoginThrottle.objects.filter(key=_account_key(user.email)).delete()
    if deleted:
        audit_user(user=user, actor=actor, verb="account.unlocked", changes={"reason": reason})
    return bool(deleted)


def audit_user(*, user: User, actor: Actor, verb: str, changes: dict | None = None) -> None:
    """Record an event about a person in the trail of every organization they belong to (a sign-in
    lockout has no organization yet: the block works across them explicitly, for these rows only)."""
    with rls.all_organizations("a person's security event goes to the trail of each of their organizations"):
        for membership in Membership.objects.filter(user=user).select_related("organization"):
            audit_action(org=membership.organization, actor=actor, obj=user, verb=verb, changes=changes)


# MFA --------------------------------------------------------------------------------------------


def org_security(*, org: Organization) -> OrgSecurity:
    """The organization's policy row, created with defaults on first use."""
    security, _created = OrgSecurity.objects.for_org(org).get_or_create(organization=org)
    return security


def mfa_required(membership: Membership) -> bool:
    """Whether this member must have two-factor authentication (policy or deployment rule).

    Reads `membership.organization.security` (select it with the membership: no extra query).
    """
    if settings.POM_REQUIRE_MFA_FOR_ADMINS and role_at_least(membership.role, Role.ADMIN):
        return True
    try:
        return membership.organization.security.require_mfa
    except OrgSecurity.DoesNotExist:
        return False


def mfa_missing(user, membership: Membership) -> bool:
    """True when the member must have MFA and has none (one query, only when it is required)."""
    if not mfa_required(membership):
        return False
    from allauth.mfa.utils import is_mfa_enabled

    return not is_mfa_enabled(user)


def mfa_message(membership: Membership) -> str:
    return _("%(org)s requires two-factor authentication: set it up to continue.") % {
        "org": membership.organization.name
    }


@transaction.atomic
def policy_set_mfa(*, org: Organization, actor: User, require_mfa: bool) -> OrgSecurity:
    """Require (or stop requiring) MFA of every member. Owners only; audited.

    Turning it on needs the owner to have MFA first, so nobody locks themselves out.
    """
    _check_owner(org, actor)
    if require_mfa:
        from allauth.mfa.utils import is_mfa_enabled

        if not is_mfa_enabled(actor):
            raise ValidationError({"require_mfa": _("Set up two-factor authentication for yourself first.")})
    security = org_security(org=org)
    return update_fields(org=org, actor=actor, instance=security, data={"require_mfa": require_mfa})


def _check_owner(org: Organization, actor: User) -> None:
    from django.core.exceptions import PermissionDenied

    if not Membership.objects.for_org(org).filter(user=actor, role=Role.OWNER).exists():
        raise PermissionDenied(_("Only an owner changes the organization's sign-in policy."))


def members_without_mfa(*, org: Organization):
    """Members who have no second factor yet (for the policy page), in one query."""
    from allauth.mfa.models import Authenticator

    with_mfa = Authenticator.objects.filter(type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
    return (
        Membership.objects.for_org(org)
        .exclude(user_id__in=with_mfa.values("user_id"))
        .select_related("user")
        .order_by("user__email")
    )


# Sessions ---------------------------------------------------------------------------------------


def session_list(*, user: User):
    """The person's signed-in sessions (browsers), newest first; stale ones are purged first."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda s: s.created_at, reverse=True)


def session_end(*, user: User, session_id: int, current_key: str | None) -> bool:
    """Sign one session out (not the current one: that is "Log out"). Audited."""
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None or session.session_key == current_key:
        return False
    session.end()
    audit_user(
        user=user, actor=user, verb="session.ended", changes={"ip": session.ip, "agent": session.user_agent[:120]}
    )
    return True


def sessions_end_others(*, user: User, current_key: str | None) -> int:
    """Sign out every other session of the person. Audited."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=current_key or ""):
        session.end()
        ended += 1
    if ended:
        audit_user(user=user, actor=user, verb="sessions.ended", changes={"count": ended})
    return ended
