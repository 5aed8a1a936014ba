"""Keys and names the map matches on: registrable domains, registration numbers, the fuzzy name matcher."""

import random

import pytest

from attribution.mapping_matching import THRESHOLD, match_names, name_score
from attribution.normalize import match_name, normalise_duns, normalise_siret, normalise_vat
from bench.company_names import labelled_set
from pom.domains import domain_key, registrable_domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://shop.Acme.com/en?x=1", "acme.com"),
        ("WWW.ACME.COM", "acme.com"),
        ("eu.store.acme.co.uk", "acme.co.uk"),
        ("acme.com.au", "acme.com.au"),
        ("jane.doe@mail.acme.de", "acme.de"),
        ("blog.acme.github.io", "acme.github.io"),  # a private suffix: each site is its own company
        ("münchen-bau.de", "xn--mnchen-bau-9db.de"),
        ("xn--mnchen-bau-9db.de", "xn--mnchen-bau-9db.de"),
        ("co.uk", ""),
        ("localhost", ""),
        ("192.168.0.1", ""),
        ("", ""),
    ],
)
def test_registrable_domain_understands_subdomains_country_suffixes_and_idn(raw, expected):
    assert registrable_domain(raw) == expected


def test_domain_key_is_one_integer_per_registrable_domain():
    assert domain_key("https://www.globex.com/about") == domain_key("GLOBEX.com") == domain_key("crm.globex.com")
    assert domain_key("globex.com") != domain_key("globex.de")
    assert -(2**63) <= domain_key("globex.com") < 2**63
    assert domain_key("co.uk") is None and domain_key("") is None


def test_registration_numbers_have_one_spelling():
    assert normalise_duns("15-048-3782") == "150483782"
    assert normalise_duns("12345") == ""
    assert normalise_vat("be 0123.456.789") == "BE0123456789"
    assert normalise_vat("0123456789") == ""
    assert normalise_siret("732 829 320 00074") == "73282932000074"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Hartmann Intl. Logistics GmbH", "hartmann international logistics"),
        ("Wiśniewski Sp. z o.o.", "wisniewski"),
        ("Société Générale S.A.", "societe generale"),
        ("Johnson & Johnson", "johnson johnson"),
        ("Müller Holdngs AG", "muller"),  # a misspelt legal form is still a legal form
        ("Group", "group"),  # a name made only of filler words is kept
    ],
)
def test_match_name_drops_legal_forms_fillers_and_writes_abbreviations_out(raw, expected):
    assert match_name(raw) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Hartmann Logistics GmbH", "HARTMANN LOGISTICS"),
        ("Hartmann Logistics", "Hartman Logistics"),  # a typo
        ("Rhine Freight Partners AG", "Freight Partners Rhine"),  # word order
        ("Nordic Manufacturing Intl", "Nordic Mfg International Ltd"),  # abbreviations
        ("Fernández Costa S.L.", "Fernandez Costa"),  # accents, legal form
    ],
)
def test_same_company_scores_above_the_threshold(left, right):
    assert name_score(match_name(left), match_name(right)) >= THRESHOLD


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Hartmann Logistics", "Hartmann Foods"),
        ("Becker Telecom", "Becker Telecom Laboratories"),  # an extra word is another company
        ("Studio 54", "Studio 45"),
        ("Genax Printing", "Zenax Printing"),  # a different first letter is rarely a typo
    ],
)
def test_different_companies_score_below_the_threshold(left, right):
    assert name_score(match_name(left), match_name(right)) < THRESHOLD


def test_matcher_is_precise_on_a_labelled_set_of_noisy_names():
    left, right, truth = labelled_set(
        600, 0.4, random.Random(13), key=lambda n: " ".join(sorted(match_name(n).split()))
    )
    found = match_names([(i, match_name(n)) for i, n in left], [(i, match_name(n)) for i, n in right])
    predicted = {(c.left_id, c.right_id) for c in found}
    hits = len(predicted & truth)
    assert hits / len(predicted) >= 0.99
    assert hits / len(truth) >= 0.9
    assert len({c.right_id for c in found}) == len(found)  # one partner account matches one account at most
