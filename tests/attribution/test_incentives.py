"""Commissions on hand-computed deals: each rule kind, thresholds, involvement, currency, clawbacks, statements."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attribution import incentives
from attribution.models import Accrual, AttributionRun, CommissionRule, CreditAllocation, Statement
from tests.factories import (
    AccountFactory,
    CommissionRuleFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, payment_terms_days=30)


@pytest.fixture
def partnership(org, program):
    return PartnershipFactory(organization=org, program=program)


def won(org, partnership, amount, *, closed_on=datetime.date(2026, 2, 10), role="sourced", currency="EUR", **kw):
    opp = OpportunityFactory(
        organization=org, amount=D(amount), status="won", stage="closed", closed_on=closed_on, currency=currency, **kw
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=opp, partnership=partnership, role=role, ae_confirmed=kw.pop("confirmed", False)
    )
    return opp


def lines(org, partnership=None):
    qs = Accrual.objects.for_org(org).order_by("period", "opportunity_id", "sequence", "revision")
    if partnership is not None:
        qs = qs.filter(partnership=partnership)
    return [(line.amount, line.currency, line.kind) for line in qs]


def test_reseller_percentage_of_product_value(org, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("20"), basis="deal")
    won(org, partnership, "12500.00")
    result = incentives.commission_accruals(org=org)
    assert result["written"] == 1
    line = Accrual.objects.for_org(org).get()
    assert (line.amount, line.currency, line.period) == (D("2500.00"), "EUR", datetime.date(2026, 2, 1))
    assert "12,500.00 EUR × 20.00 % = 2,500.00 EUR" in line.explanation
    # Nothing changed: a second run writes nothing.
    assert incentives.commission_accruals(org=org)["written"] == 0


def test_referral_fixed_fee_per_converted_lead_only(org, program):
    CommissionRuleFactory(
        program=program, kind="fixed_fee", rate=D("1000"), fee_currency="USD", requires_involvement=False
    )
    referrer = PartnershipFactory(organization=org, program=program)
    helper = PartnershipFactory(organization=org, program=program)
    opp = won(org, referrer, "8000", role="referral")
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=helper, role="influenced")
    incentives.commission_accruals(org=org)
    assert lines(org, referrer) == [(D("1000.00"), "USD", "accrual")]
    assert lines(org, helper) == [(D("0.00"), "USD", "accrual")]
    assert "did not bring this lead" in Accrual.objects.for_org(org).get(partnership=helper).explanation[-1]


def test_threshold_rate_splits_the_deal_that_crosses_it(org, program, partnership):
    CommissionRuleFactory(
        program=program, kind="threshold", rate=D("20"), rate_above=D("40"), threshold=D("50000"), basis="deal"
    )
    won(org, partnership, "40000", closed_on=datetime.date(2026, 1, 15))  # 40,000 × 20 % = 8,000
    won(org, partnership, "30000", closed_on=datetime.date(2026, 3, 1))  # 10,000 × 20 % + 20,000 × 40 % = 10,000
    won(org, partnership, "5000", closed_on=datetime.date(2026, 5, 1))  # all above: 5,000 × 40 % = 2,000
    won(org, partnership, "5000", closed_on=datetime.date(2027, 1, 5))  # a new year starts below: 1,000
    incentives.commission_accruals(org=org)
    assert [a for a, _c, _k in lines(org)] == [D("8000.00"), D("10000.00"), D("2000.00"), D("1000.00")]
    crossing = Accrual.objects.for_org(org).get(amount=D("10000.00"))
    assert "10,000.00 × 20.00 % = 2,000.00" in crossing.explanation
    assert "20,000.00 × 40.00 % = 8,000.00" in crossing.explanation


def test_non_sourcing_partner_qualifies_only_when_involvement_is_confirmed(org, program):
    CommissionRuleFactory(program=program, kind="percent", rate=D("10"), basis="deal", requires_involvement=True)
    unconfirmed = PartnershipFactory(organization=org, program=program)
    confirmed = PartnershipFactory(organization=org, program=program)
    opp = won(org, unconfirmed, "10000", role="influenced")
    OpportunityPartnerFactory(
        organization=org, opportunity=opp, partnership=confirmed, role="influenced", ae_confirmed=True
    )
    incentives.commission_accruals(org=org)
    assert lines(org, unconfirmed) == [(D("0.00"), "EUR", "accrual")]
    assert lines(org, confirmed) == [(D("1000.00"), "EUR", "accrual")]
    why = Accrual.objects.for_org(org).get(partnership=unconfirmed).explanation
    assert any("involvement is not confirmed" in step for step in why)


def test_credit_basis_and_deal_currency(org, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("15"), basis="credit")
    opp = won(org, partnership, "20000", currency="USD")
    run = AttributionRun.objects.create(organization=org, status="done")
    CreditAllocation.objects.create(
        organization=org,
        opportunity=opp,
        partnership=partnership,
        model="sourced_influenced",
        amount=D("12000"),
        currency="USD",
        run=run,
    )
    incentives.commission_accruals(org=org)
    line = Accrual.objects.for_org(org).get()
    assert (line.basis_amount, line.amount, line.currency) == (D("12000.00"), D("1800.00"), "USD")


def test_recurring_commission_repeats_on_each_renewal(org, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("10"), basis="deal", recurring_periods=3)
    won(org, partnership, "6000", closed_on=datetime.date(2026, 4, 20))
    incentives.commission_accruals(org=org)
    periods = list(Accrual.objects.for_org(org).order_by("sequence").values_list("period", "amount"))
    assert periods == [
        (datetime.date(2026, 4, 1), D("600.00")),
        (datetime.date(2027, 4, 1), D("600.00")),
        (datetime.date(2028, 4, 1), D("600.00")),
    ]


def test_upsell_rules_pay_only_existing_customers(org, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("5"), basis="deal", scope="upsell")
    account = AccountFactory(organization=org)
    won(org, partnership, "10000", closed_on=datetime.date(2026, 1, 10), account=account)
    won(org, partnership, "4000", closed_on=datetime.date(2026, 6, 10), account=account)
    incentives.commission_accruals(org=org)
    assert [a for a, _c, _k in lines(org)] == [D("0.00"), D("200.00")]


def test_statement_lifecycle_and_clawback_after_payment(org, member, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("20"), basis="deal")
    opp = won(org, partnership, "12500", closed_on=datetime.date(2026, 2, 10))
    incentives.commission_accruals(org=org)
    result = incentives.statements_generate(
        org=org, actor=member, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31)
    )
    assert result["statements"] == 1
    statement = Statement.objects.for_org(org).get()
    assert (statement.total, statement.status) == (D("2500.00"), "draft")
    assert statement.expected_pay_on == datetime.date(2026, 4, 30)
    with pytest.raises(ValidationError):
        incentives.statement_pay(org=org, actor=member, statement=statement, payment_reference="X")
    incentives.statement_approve(org=org, actor=member, statement=statement)
    with pytest.raises(ValidationError) as exc:
        incentives.statement_pay(org=org, actor=member, statement=statement, payment_reference=" ")
    assert "payment_reference" in exc.value.message_dict
    incentives.statement_pay(org=org, actor=member, statement=statement, payment_reference="SEPA-2026-0042")

    # The deal is cancelled after payment: the paid line stays, a clawback takes it back.
    opp.status = "lost"
    opp.save()
    incentives.commission_accruals(org=org)
    assert lines(org) == [(D("2500.00"), "EUR", "accrual"), (D("-2500.00"), "EUR", "clawback")]
    clawback = Accrual.objects.for_org(org).get(kind="clawback")
    assert clawback.statement_id is None and "The deal is no longer won." in clawback.explanation
    # A statement for the closed period is refused; the next period's statement carries the clawback.
    with pytest.raises(ValidationError) as exc:
        incentives.statements_generate(
            org=org, actor=member, period_start=datetime.date(2026, 3, 1), period_end=datetime.date(2026, 3, 31)
        )
    assert "closed" in str(exc.value)
    incentives.statements_generate(
        org=org, actor=member, period_start=datetime.date(2026, 4, 1), period_end=clawback.period.replace(day=28)
    )
    assert Statement.objects.for_org(org).get(status="draft").total == D("-2500.00")
    # Recomputing again leaves the paid line and the clawback as they are.
    assert incentives.commission_accruals(org=org)["written"] == 0


def test_cancel_before_approval_simply_drops_the_line(org, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("20"), basis="deal")
    opp = won(org, partnership, "1000")
    incentives.commission_accruals(org=org)
    opp.status = "lost"
    opp.save()
    incentives.commission_accruals(org=org)
    assert lines(org) == []


def test_rule_validation(org, member, program):
    with pytest.raises(ValidationError) as exc:
        incentives.commission_rule_create(
            org=org, actor=member, program=program, data={"name": "Too much", "kind": "percent", "rate": D("120")}
        )
    assert "rate" in exc.value.message_dict and "100" in exc.value.message_dict["rate"][0]
    with pytest.raises(ValidationError) as exc:
        incentives.commission_rule_create(
            org=org, actor=member, program=program, data={"name": "T", "kind": "threshold", "rate": D("20")}
        )
    assert "threshold" in exc.value.message_dict
    assert not CommissionRule.objects.for_org(org).exists()


def test_export_neutralises_formula_cells(org, member, program):
    partnership = PartnershipFactory(organization=org, program=program, partner__name='=HYPERLINK("x")')
    CommissionRuleFactory(program=program, kind="percent", rate=D("10"), basis="deal", name="+rule")
    won(org, partnership, "100", name="@deal")
    incentives.commission_accruals(org=org)
    incentives.statements_generate(
        org=org, actor=member, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)
    )
    content, name = incentives.statements_export(org=org, statements=Statement.objects.for_org(org), fmt="csv")
    row = list(csv.DictReader(io.StringIO(content.decode())))[0]
    assert row["partner"] == '\'=HYPERLINK("x")' and row["rule"] == "'+rule" and row["deal"] == "'@deal"
    assert row["amount"] == "10.00" and name.endswith(".csv")
    xlsx, xname = incentives.statements_export(org=org, statements=Statement.objects.for_org(org), fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("x")' and xname.endswith(".xlsx")


def test_a_longer_period_takes_the_lines_of_a_shorter_draft(org, member, program, partnership):
    CommissionRuleFactory(program=program, kind="percent", rate=D("10"), basis="deal")
    won(org, partnership, "1000", closed_on=datetime.date(2026, 2, 10))
    won(org, partnership, "3000", closed_on=datetime.date(2026, 5, 10))
    incentives.commission_accruals(org=org)
    incentives.statements_generate(
        org=org, actor=member, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31)
    )
    incentives.statements_generate(
        org=org, actor=member, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 6, 30)
    )
    assert list(Statement.objects.for_org(org).values_list("period_end", "total")) == [
        (datetime.date(2026, 6, 30), D("400.00"))
    ]


def test_a_deal_synced_as_won_accrues_once_its_credit_is_live(
    org, member, program, partnership, django_capture_on_commit_callbacks
):
    """CRM sync → credit recomputed → `attribution.credited` → the accrual job, without waiting for the night."""
    from attribution import importing

    CommissionRuleFactory(program=program, kind="percent", rate=D("10"), basis="deal")
    account = AccountFactory(organization=org, crm_id="A1")
    opp = OpportunityFactory(organization=org, account=account, crm_id="O1", amount=D("8000"), status="open")
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership, role="sourced")
    item = {"crm_id": "O1", "account_crm_id": "A1", "name": "Synced", "amount": "8000", "currency": "EUR"}
    with django_capture_on_commit_callbacks(execute=True):
        importing.opportunity_bulk_upsert(
            org=org, actor=member, items=[{**item, "status": "won", "closed_on": "2026-02-10"}]
        )
    assert lines(org, partnership) == [(D("800.00"), "EUR", "accrual")]  # 10 % of 8,000
