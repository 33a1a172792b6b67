"""RX-2 disease categories as a pure rule over the seeded ranges; code normalising and fallback chains."""

import itertools
from importlib import import_module

import pytest

from diagnoses import rules
from diagnoses.rules import CategoryRange, Rx2Category, category_for, fallback_codes, normalise_code

SEED = import_module("diagnoses.migrations.0002_seed_category_ranges")
RANGES = [CategoryRange(lo, hi, category, disease) for lo, hi, category, disease, _ in SEED.RANGES]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("E11.9", "E11.9"),
        ("  e11.900 ", "E11.900"),
        ("Ｅ１１．９", "E11.9"),  # full-width, as a Chinese IME types it
        ("E119", "E11.9"),  # dotless, as some HIS send it
        ("E11900", "E11.900"),
        ("j18.900X001", "J18.900x001"),  # the national editions' x stays lower-case
        ("I10.X00", "I10.x00"),
        ("36.1001", "36.1001"),
        ("E 11.9", "E11.9"),
        ("", ""),
    ],
)
def test_normalise_code(raw, normalised):
    assert normalise_code(raw) == normalised


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("E11.900", ["E11.900", "E11.90", "E11.9", "E11"]),
        ("E11.9", ["E11.9", "E11"]),
        ("E11", ["E11"]),
        ("J18.900x001", ["J18.900x001", "J18.900x00", "J18.900x0", "J18.900", "J18.90", "J18.9", "J18"]),
        ("I10.x00", ["I10.x00", "I10.x0", "I10"]),
        ("36.1001", ["36.1001", "36.100", "36.10", "36.1", "36"]),
        ("", []),
    ],
)
def test_fallback_chain_walks_back_to_the_category(code, chain):
    assert fallback_codes(code) == chain


@pytest.mark.parametrize("code", ["E11.9", "E11.900", "E11", "e11.9 ", "E10", "E14.9"])
def test_rx2_diabetes_codes_are_the_specified_disease(code):
    """RX-2 (seed 000 §4 二.3): E10–E14 is 糖尿病, a specified disease, in every spelling."""
    assert category_for(code, RANGES) == Rx2Category("specified", "糖尿病", "E10–E14")


@pytest.mark.parametrize(
    ("code", "category", "disease"),
    [
        # hepatitis B15–B19 and K73
        ("B14.9", "general", ""),
        ("B15", "specified", "肝炎"),
        ("B19.9", "specified", "肝炎"),
        ("B20", "general", ""),
        ("K73.9", "specified", "肝炎"),
        # tuberculosis A15–A19
        ("A14", "general", ""),
        ("A15.0", "specified", "结核病"),
        ("A19.9", "specified", "结核病"),
        ("A20", "general", ""),
        # cancer C00–C97
        ("C00.0", "specified", "恶性肿瘤"),
        ("C97", "specified", "恶性肿瘤"),
        ("D00", "general", ""),
        # psychiatric F20–F39
        ("F19", "general", ""),
        ("F20.0", "specified", "精神病"),
        ("F39", "specified", "精神病"),
        ("F40", "general", ""),
        # diabetes E10–E14
        ("E09", "general", ""),
        ("E15", "general", ""),
        # coronary heart disease I20–I25
        ("I19", "general", ""),
        ("I20.0", "specified", "冠心病"),
        ("I25.1", "specified", "冠心病"),
        ("I26", "general", ""),
    ],
)
def test_rx2_specified_disease_boundaries(code, category, disease):
    result = category_for(code, RANGES)
    assert (result.category, result.disease) == (category, disease)


@pytest.mark.parametrize(
    ("code", "category", "label"),
    [
        ("I10", "chronic", "I10–I15"),
        ("I15.9", "chronic", "I10–I15"),
        ("J44.1", "chronic", "J44"),
        ("J45.9", "chronic", "J45"),
        ("J46", "general", ""),  # status asthmaticus is not in the chronic set
        ("J06.9", "acute", "J00–J06"),
        ("J18.9", "acute", "J09–J18"),
        ("S72.0", "acute", "S00–T14"),
        ("T14.9", "acute", "S00–T14"),
        ("T15", "general", ""),
        ("K29.5", "general", ""),  # acute and chronic gastritis share K29: left general on purpose
        ("Z00.0", "general", ""),  # unmatched
    ],
)
def test_rx2_chronic_acute_and_unmatched(code, category, label):
    result = category_for(code, RANGES)
    assert (result.category, result.range_label, result.disease) == (category, label, "")


@pytest.mark.parametrize("code", ["", "36.1001", "BNG010", "1E1", "E1"])
def test_rx2_non_icd10_codes_are_general(code):
    assert category_for(code, RANGES) == rules.GENERAL_ILLNESS


def test_rx2_seed_ranges_do_not_overlap():
    ordered = sorted(RANGES, key=lambda r: r.code_from)
    assert all(r.code_from <= r.code_to for r in ordered)
    for left, right in itertools.pairwise(ordered):
        assert not left.overlaps(right), (left.label, right.label)


def test_rx2_narrowest_range_wins_on_overlapping_plain_data():
    ranges = [CategoryRange("E00", "E90", "chronic"), CategoryRange("E11", "E11", "specified", "糖尿病")]
    assert category_for("E11.9", ranges) == Rx2Category("specified", "糖尿病", "E11")
    assert category_for("E12", ranges) == Rx2Category("chronic", "", "E00–E90")


def test_rx2_disease_name_only_for_specified():
    ranges = [CategoryRange("I10", "I15", "chronic", "高血压")]  # a stray name on a chronic range
    assert category_for("I10", ranges).disease == ""
    assert category_for("I10", ranges).category_label == "慢性病"
