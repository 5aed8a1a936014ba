"""A stand-in for a higher app contributing next-best-action rules through the hook (tests only)."""

from workspaces.nba_rules import Proposal, rule, tacam_weakest_element


@rule(code="contrib_every_partnership", title="Say hello to every partner")
def every_partnership(facts, today):
    """A rule a test module contributes: one suggestion per partnership, to prove the contract."""
    return [
        Proposal(target_type="partnership", target_id=p["id"], partnership_id=p["id"], title=f"Hello {p['partner']}")
        for p in facts["partnerships"]
    ]


RULES = [every_partnership, tacam_weakest_element]
