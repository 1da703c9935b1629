"""parsers.identifiers: registry id recognition, canonical forms, link keys, trial id choice."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.identifiers import (
    REGISTRY_ID_TYPES,
    best_trial_id,
    classify_identifier,
    find_registry_ids,
    link_key,
    normalize_sponsor,
)
from parsers.record import Identifier

DATA = Path(__file__).parent / "data" / "identifiers_labelled.csv"


def _labelled_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    out = []
    for row in rows:
        expected = [tuple(item.split("=", 1)) for item in row["expected"].split("|") if item]
        out.append((row["text"], [(value, id_type) for id_type, value in expected]))
    return out


LABELLED = _labelled_rows()
POSITIVE = [(text, exp) for text, exp in LABELLED if exp]


def test_labelled_table_has_both_positives_and_traps():
    assert len(POSITIVE) >= 80
    assert len(LABELLED) - len(POSITIVE) >= 50
    covered = {t for _, exp in POSITIVE for _, t in exp}
    assert covered == REGISTRY_ID_TYPES  # every registry format has at least one labelled positive


@pytest.mark.parametrize("text,expected", LABELLED, ids=[t[:40] for t, _ in LABELLED])
def test_find_registry_ids_on_labelled_strings(text, expected):
    found = find_registry_ids(text)
    assert [(canonical, id_type) for canonical, id_type, _ in found] == expected
    for _canonical, _id_type, raw in found:
        assert raw in text  # the matched raw is a verbatim span of the input


@pytest.mark.parametrize("text,expected", POSITIVE, ids=[t[:40] for t, _ in POSITIVE])
def test_canonical_forms_classify_to_themselves(text, expected):
    for canonical, id_type in expected:
        assert classify_identifier(canonical) == (canonical, id_type)
        assert classify_identifier(canonical, "ORG_STUDY_ID") == (canonical, id_type)


def test_find_registry_ids_order_dedup_and_raw():
    text = "Also ISRCTN 12345678; main NCT 00902941, again nct00902941 and EUCTR2014-005325-12-ES"
    assert find_registry_ids(text) == [
        ("ISRCTN12345678", "ISRCTN", "ISRCTN 12345678"),
        ("NCT00902941", "NCT", "NCT 00902941"),
        ("2014-005325-12", "EUDRACT", "EUCTR2014-005325-12-ES"),
    ]


def test_find_registry_ids_empty_inputs():
    assert find_registry_ids("") == []
    assert find_registry_ids(None) == []


# --- classify_identifier: structured fields --------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("NCT00953485", ("NCT00953485", "NCT")),
    (" nct00953485 ", ("NCT00953485", "NCT")),
    ("ClinicalTrials.gov Identifier: NCT00953485", ("NCT00953485", "NCT")),
    ("2024-516715-25-00", ("2024-516715-25-00", "EU_CT")),
    ("2024-516715-25-01", ("2024-516715-25-01", "EU_CT")),
    ("2022-503007-22", ("2022-503007-22", "EU_CT")),  # EU CT number given without its suffix
    ("2004-002714-11", ("2004-002714-11", "EUDRACT")),
    ("EudraCT Number: 2004–002714–11", ("2004-002714-11", "EUDRACT")),  # en dashes
    ("EUCTR2014-005325-12-ES", ("2014-005325-12", "EUDRACT")),
    ("2004-002714-11 (EUCTR2004-002714-11-DE)", ("2004-002714-11", "EUDRACT")),  # one id, said twice
    ("JPRN-UMIN000039686", ("UMIN000039686", "UMIN")),
    ("JPRN-jRCTs031190226", ("jRCTs031190226", "JRCT")),
    ("U1111-1132-9442", ("U1111-1132-9442", "WHO_UTN")),
    ("ACTRN12620000417987p", ("ACTRN12620000417987", "ACTRN")),
    ("RBR-4nzq6z", ("RBR-4nzq6z", "RBR")),
])
def test_classify_registry_values(raw, expected):
    assert classify_identifier(raw) == expected


@pytest.mark.parametrize("raw", [
    "not applicable", "Not Applicable", "N/A", "n/a", "NA", "none", "None.", "-", "--", "", "   ",
    "TBA", "unknown", "0", "0000", "NCT00000000", "ISRCTN00000000", "ISRCTN", "NCT", "...",
])
def test_classify_junk_is_none(raw):
    assert classify_identifier(raw) is None
    assert classify_identifier(raw, "ORG_STUDY_ID") is None


def test_classify_none_input():
    assert classify_identifier(None) is None


@pytest.mark.parametrize("raw,canonical", [
    ("R01 CA123456", "R01CA123456"),
    ("P60DK020579", "P60DK020579"),
    ("U10CA180868", "U10CA180868"),
    ("5R01AI123456-03", "5R01AI123456-03"),
    ("U19CA021239-37", "U19CA021239-37"),
    ("OT2HL161847-01", "OT2HL161847-01"),
    ("UG3DA057032", "UG3DA057032"),
    ("AI001065-08", "AI001065-08"),
])
def test_classify_grants_whatever_the_default(raw, canonical):
    for default in ("OTHER", "ORG_STUDY_ID", "GRANT"):
        assert classify_identifier(raw, default) == (canonical, "GRANT")


@pytest.mark.parametrize("raw", ["HSC-MS-15-0278", "I5Q-MC-CGAL", "NCI-2018-01307", "2019-A01343-54",
                                 "IRB# 09-954", "NL68327", "NL4187/NTR4337", "NCT01882777_2", "Pilot", "1"])
def test_classify_non_registry_values_take_the_default(raw):
    assert classify_identifier(raw) == (raw, "OTHER")
    assert classify_identifier(raw, "ORG_STUDY_ID") == (raw, "ORG_STUDY_ID")


def test_classify_collapses_whitespace_in_default_values():
    assert classify_identifier("  IRB   09-954\n") == ("IRB 09-954", "OTHER")


def test_classify_rejects_registry_default_type():
    with pytest.raises(ValueError):
        classify_identifier("ABC-1", "NCT")


# --- link_key ----------------------------------------------------------------------------------

def test_link_key_registry_ids():
    assert link_key("NCT00953485", "NCT") == "NCT:NCT00953485"
    assert link_key("nct00953485", "NCT") == "NCT:NCT00953485"
    assert link_key("2004-002714-11", "EUDRACT") == "EUDRACT:2004-002714-11"
    assert link_key("ISRCTN12345678", "ISRCTN") == "ISRCTN:ISRCTN12345678"


def test_link_key_eu_ct_resubmissions_share_one_key():
    keys = {link_key(v, "EU_CT") for v in ("2024-516715-25-00", "2024-516715-25-01", "2024-516715-25")}
    assert keys == {"EU_CT:2024-516715-25"}
    assert link_key("2024-516716-25-00", "EU_CT") != "EU_CT:2024-516715-25"


def test_link_key_eudract_and_eu_ct_stay_distinct():
    # a trial that moved to CTIS links only through a record listing both ids
    assert link_key("2018-001393-16", "EUDRACT") != link_key("2024-515914-41-00", "EU_CT")


def test_link_key_rebec_is_case_insensitive():
    assert link_key("RBR-4nzq6z", "RBR") == link_key("RBR-4NZQ6Z", "RBR") == "RBR:RBR-4nzq6z"


@pytest.mark.parametrize("value,id_type", [("1", "ORG_STUDY_ID"), ("P60DK020579", "GRANT"),
                                           ("NCT00953485", "OTHER"), ("", "NCT"), ("not applicable", "NCT"),
                                           ("NCT00953485", "BOGUS")])
def test_link_key_none_for_non_registry(value, id_type):
    assert link_key(value, id_type) is None


# --- best_trial_id -----------------------------------------------------------------------------

def test_best_trial_id_prefers_nct_then_lowest_nct():
    ids = [("2024-516715-25-00", "EU_CT"), ("NCT04000000", "NCT"), ("NCT01000000", "NCT"),
           ("ISRCTN12345678", "ISRCTN")]
    assert best_trial_id(ids) == "NCT01000000"
    assert best_trial_id(reversed(ids)) == "NCT01000000"


def test_best_trial_id_eu_ct_highest_resubmission_over_eudract():
    ids = [("2018-001393-16", "EUDRACT"), ("2024-515914-41-00", "EU_CT"), ("2024-515914-41-02", "EU_CT"),
           ("2024-515914-41", "EU_CT")]
    assert best_trial_id(ids) == "2024-515914-41-02"


def test_best_trial_id_eudract_then_registry_order():
    assert best_trial_id([("ChiCTR2000029308", "CHICTR"), ("2004-002714-11", "EUDRACT")]) == "2004-002714-11"
    assert best_trial_id([("ChiCTR2000029308", "CHICTR"), ("ISRCTN99999999", "ISRCTN")]) == "ISRCTN99999999"
    assert best_trial_id([("U1111-1132-9442", "WHO_UTN"), ("DRKS00021134", "DRKS")]) == "DRKS00021134"
    assert best_trial_id([("NTR4337", "NTR"), ("NL4187", "NTR")]) == "NL4187"


def test_best_trial_id_ignores_non_registry_and_accepts_identifier_objects():
    assert best_trial_id([("1", "ORG_STUDY_ID"), ("P60DK020579", "GRANT")]) is None
    assert best_trial_id([]) is None
    idents = [Identifier("NCT00953485", "NCT", "NCT00953485", "nct_id"),
              Identifier("X1", "ORG_STUDY_ID", "X1", "org_study_id")]
    assert best_trial_id(idents) == "NCT00953485"


# --- normalize_sponsor -------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("Pfizer, Inc.", "PFIZER INC"),
    ("Pfizer", "Pfizer Inc"),
    ("Novartis Pharma AG", "novartis pharma"),
    ("Boehringer Ingelheim GmbH", "Boehringer Ingelheim"),
    ("Merck Sharp & Dohme Corp.", "Merck Sharp and Dohme"),
    ("Sanofi S.A.", "Sanofi"),
    ("The University of Iowa", "University of Iowa"),
    ("Hôpital Européen Georges-Pompidou", "Hopital Europeen Georges Pompidou"),
])
def test_normalize_sponsor_equal_spellings(a, b):
    assert normalize_sponsor(a) == normalize_sponsor(b) != ""


def test_normalize_sponsor_keeps_distinguishing_words():
    assert normalize_sponsor("University of Iowa") == "university of iowa"
    assert normalize_sponsor("University of Iowa") != normalize_sponsor("University of Utah")
    assert normalize_sponsor("Co.") == "co"  # a lone suffix is kept rather than emptied
    assert normalize_sponsor(None) == "" and normalize_sponsor("") == ""


# --- robustness ---------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_and_canonical_forms_round_trip(text):
    for canonical, id_type, raw in find_registry_ids(text):
        assert id_type in REGISTRY_ID_TYPES
        assert classify_identifier(canonical) == (canonical, id_type)
        assert link_key(canonical, id_type)
    classify_identifier(text)
    normalize_sponsor(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c for _, exp in POSITIVE for c in exp]),
       st.sampled_from(["", " ", "; ", "(", "ID: ", "\n"]), st.sampled_from(["", " ", ".", ");", ", x"]))
def test_ids_survive_surrounding_punctuation(pair, before, after):
    canonical, id_type = pair
    found = find_registry_ids(f"{before}{canonical}{after}")
    assert [(c, t) for c, t, _ in found] == [(canonical, id_type)]


@pytest.mark.parametrize("text", [
    "NCT " + "no." * 2000 + "x",  # was exponential with a `\.?` after each label word
    "DRKS " + "id. " * 2000 + "x",
    "EudraCT " + "no. " * 2000 + "x",
    "2004-" * 5000,
    "JPRN-" * 3000,
    "ISRCTN" + " " * 20000 + "12345678",
])
def test_adversarial_text_is_linear(text):
    import time
    start = time.perf_counter()
    find_registry_ids(text)
    classify_identifier(text)
    assert time.perf_counter() - start < 1.0


def test_only_ascii_digits_make_ids_in_text_and_nfkc_applies_to_structured_values():
    assert find_registry_ids("NCT\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667") == []
    fullwidth = "\uff2e\uff23\uff34\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17"
    assert classify_identifier(fullwidth) == ("NCT01234567", "NCT")
