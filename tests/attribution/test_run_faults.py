"""Issue 19, faults found from outside: deleting a partnership a split rule names, a recompute that fails
after the write that asked for it committed, a crashed attempt (lease, reclaim, cleanup), a deletion
racing the ledger's swap. The SIGKILLed worker cases are in test_run_worker.py."""

import datetime
from decimal import Decimal

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from attribution import runs, selectors, services
from attribution.models import AttributionRun, CreditAllocation, SplitRuleVersion
from partners.models import Partnership
from tests.factories import (
    InfluenceTypeFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    TouchpointFactory,
)


def _pipeline(org, partnerships, n=3):
    kind = InfluenceTypeFactory(organization=org)
    opps = []
    for i in range(n):
        opp = OpportunityFactory(organization=org, amount=Decimal("900.00") + i, products=["Vault"])
        for p in partnerships:
            OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=p, role="influenced")
            TouchpointFactory(
                organization=org, opportunity=opp, account=opp.account, partnership=p, influence_type=kind
            )
        opps.append(opp)
    return opps


def _run(org):
    return runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))


def _adds_up(org):
    totals = {}
    for row in selectors.credit_list(org=org):
        totals[(row.opportunity_id, row.model)] = totals.get((row.opportunity_id, row.model), 0) + row.amount
    amounts = {o.id: o.amount for o in OpportunityFactory._meta.model.objects.for_org(org)}
    return bool(totals) and all(total == amounts[opp_id] for (opp_id, _), total in totals.items())


# 5. A split rule naming a partnership ---------------------------------------------------------------


def test_deleting_a_partnership_a_split_rule_names_is_refused_naming_the_rule(
    org, admin_user, api_client_for, client_for
):
    kept, named = PartnershipFactory(organization=org), PartnershipFactory(organization=org)
    services.split_rule_create(
        org=org,
        actor=admin_user,
        name="Joint SIEM",
        match_on="product",
        match_value="Vault",
        shares=[{"partnership_id": named.pk, "percent": "40"}, {"partnership_id": kept.pk, "percent": "30"}],
    )
    client = api_client_for(admin_user)
    response = client.delete(reverse("partners-api:partnership-detail", args=[org.slug, named.pk]))
    assert response.status_code == 400
    assert "Joint SIEM" in str(response.json())
    assert Partnership.objects.filter(pk=named.pk).exists()
    # deleting the partner (with its partnerships) is refused the same way
    response = client.delete(reverse("partners-api:partner-detail", args=[org.slug, named.partner_id]))
    assert response.status_code == 400 and "Joint SIEM" in str(response.json())
    # and on the page: a message, no 500
    response = client_for(admin_user).post(
        reverse("partners:partnership_delete", args=[org.slug, named.pk]), follow=True
    )
    assert response.status_code == 200 and "Joint SIEM" in response.content.decode()
    assert Partnership.objects.filter(pk=named.pk).exists()


def test_a_rule_naming_a_partnership_deleted_earlier_never_fails_a_run(org, admin_user):
    kept, gone = PartnershipFactory(organization=org), PartnershipFactory(organization=org)
    _pipeline(org, [kept])
    rule = services.split_rule_create(
        org=org,
        actor=admin_user,
        name="Vault split",
        match_on="product",
        match_value="Vault",
        shares=[{"partnership_id": kept.pk, "percent": "60"}, {"partnership_id": gone.pk, "percent": "40"}],
    )
    gone_id = gone.pk
    # deleted before deletions were checked (data from before this fix): the rule still names it
    Partnership.objects.filter(pk=gone_id).delete()
    named = [s["partnership_id"] for v in SplitRuleVersion.objects.filter(rule=rule) for s in v.shares]
    assert gone_id in named
    run = _run(org)
    assert run.status == "done", run.error
    rows = list(selectors.credit_list(org=org, model="rule_split"))
    assert {r.partnership_id for r in rows} == {kept.pk, None}
    assert all(
        r.amount == (r.opportunity.amount * Decimal("0.6")).quantize(Decimal("0.01")) for r in rows if r.partnership_id
    )
    assert _adds_up(org)


# 6. A recompute that fails never turns a committed write into an error ----------------------------


def test_a_write_whose_recompute_fails_still_succeeds_and_the_run_records_why(
    org, member, api_client_for, django_capture_on_commit_callbacks
):
    p = PartnershipFactory(organization=org)
    (opp,) = _pipeline(org, [p], n=1)
    # a stored rule version the engine cannot read (a share without a number): every run fails on it
    with django_capture_on_commit_callbacks(execute=True):
        rule = services.split_rule_create(
            org=org,
            actor=member,
            name="Broken",
            match_on="product",
            match_value="Vault",
            shares=[{"partnership_id": p.pk, "percent": "10"}],
        )
    SplitRuleVersion.objects.filter(rule=rule).update(shares=[{"partnership_id": "not a number", "percent": "10"}])
    url = reverse("attribution-api:opportunity-detail", args=[org.slug, opp.pk])
    with django_capture_on_commit_callbacks(execute=True):  # tasks run inline (no broker), as in the issue
        response = api_client_for(member).patch(url, {"amount": "1234.00"}, format="json")
    assert response.status_code == 200
    opp.refresh_from_db()
    assert opp.amount == Decimal("1234.00")
    run = AttributionRun.objects.for_org(org).latest("id")
    assert run.status == "failed" and "ValueError" in run.error
    assert connection.vendor != "postgresql" or not _stray_tables(org)


def _stray_tables(org):
    return runs._ledger_tables(org.id)[1]


# 7. A crashed attempt is reclaimed; its partial rows never show --------------------------------------


def test_a_run_whose_worker_died_is_reclaimed_and_completes_once(org, django_capture_on_commit_callbacks):
    p = PartnershipFactory(organization=org)
    _pipeline(org, [p])
    previous = _run(org)
    run = AttributionRun.objects.create(organization=org)
    # attempt 1 claimed it, wrote part of its rows, and its worker died: the lease is left to expire
    claimed = runs._claim(org=org, run=run)
    assert claimed.attempts == 1
    if connection.vendor == "postgresql":
        runs._stage_create(org.id, run.id, 1)
    # while it is held, a redelivered message does nothing
    assert runs.attribution_run_execute(org=org, run=run).status == "running"
    assert set(selectors.credit_list(org=org).values_list("run_id", flat=True)) == {previous.id}
    later = timezone.now() + datetime.timedelta(seconds=300)
    AttributionRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert runs.attribution_runs_reclaim(now=later) == 1
    # the run is enqueued once (the other callback is the accruals check after new credit commits)
    assert [c.__qualname__ for c in callbacks].count("attribution_runs_reclaim.<locals>.<lambda>") == 1
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2, run.error
    assert "restarted (attempt 2 of 3)" in run.message
    assert set(CreditAllocation.objects.for_org(org).values_list("run_id", flat=True)) == {run.id}
    assert CreditAllocation.objects.for_org(org).count() == run.allocations_count
    assert _adds_up(org)
    if connection.vendor == "postgresql":
        assert _stray_tables(org) == []
    # a second delivery of the same message finds it done and does nothing
    assert runs.attribution_run_execute(org=org, run=run).allocations_count == run.allocations_count


def test_a_run_crashing_every_attempt_fails_saying_so(org):
    run = AttributionRun.objects.create(
        organization=org, status="running", attempts=3, lease_expires_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    run = runs.attribution_run_execute(org=org, run=run)
    assert run.status == "failed" and "attempt 3 of 3" in run.error


def test_the_page_shows_a_restarted_run(org, member, client_for):
    run = AttributionRun.objects.create(
        organization=org,
        status="running",
        attempts=2,
        progress=40,
        message="The worker stopped during attempt 1; restarted (attempt 2 of 3).",
        lease_expires_at=timezone.now() + datetime.timedelta(seconds=60),
    )
    html = client_for(member).get(reverse("attribution:run", args=[org.slug, run.pk])).content.decode()
    assert "restarted (attempt 2 of 3)" in html


# 8. A deletion racing the ledger's swap -----------------------------------------------------------


def test_a_partner_deleted_while_a_run_writes_neither_fails_nor_leaves_its_rows(org, admin_user, api_client_for):
    kept, gone = PartnershipFactory(organization=org), PartnershipFactory(organization=org)
    _pipeline(org, [kept, gone])
    _run(org)
    run = AttributionRun.objects.create(organization=org)
    run = runs._claim(org=org, run=run)
    stage = runs._stage_name(org.id, run.id, 1) if connection.vendor == "postgresql" else runs.LEDGER_TABLE
    if connection.vendor == "postgresql":
        runs._stage_create(org.id, run.id, 1)
    done, written, read_ids = runs._compute(org=org, run=run, lease=runs._Lease(org, run), table=stage)
    assert gone.pk in read_ids
    # the partner goes while the run has written its rows but not swapped them in
    response = api_client_for(admin_user).delete(
        reverse("partners-api:partner-detail", args=[org.slug, gone.partner_id])
    )
    assert response.status_code == 204
    if connection.vendor == "postgresql":
        runs._stage_index(org.id, run.id, 1)
    rows = runs._swap_lock(org=org, run=run)
    assert run.pk in rows
    written, _ = runs._swap(org=org, run=run, stage=stage, newer=False, written=written, read_ids=read_ids)
    assert not CreditAllocation.objects.filter(partnership_id=gone.pk).exists()
    assert CreditAllocation.objects.for_org(org).filter(run_id=run.id).count() == written
    # the deletion asked for a recomputation, which makes every deal add up again
    assert AttributionRun.objects.for_org(org).filter(status="queued", trigger="partner deleted").exists()
