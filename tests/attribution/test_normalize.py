import pytest

from attribution.normalize import NAME_SIMILARITY, name_similarity, normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ACME GmbH.", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Procter & Gamble Co", "procter and gamble"),
    ],
)
def test_normalise_name_strips_accents_punctuation_and_legal_suffixes(raw, expected):
    assert normalise_name(raw) == expected


def test_name_similarity_threshold():
    assert name_similarity("initech solutions", "initech solution") >= NAME_SIMILARITY
    assert name_similarity("globex", "umbrella health") < NAME_SIMILARITY
    assert name_similarity("", "globex") == 0.0
