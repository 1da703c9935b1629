"""acronym_from_title, plus a measurement against CT.gov's own acronym field."""
from __future__ import annotations

import pytest

from parsers.normalize.text import acronym_from_title, lookup_key, squash
from tests.conftest import load_v2_study


@pytest.mark.parametrize(("title", "expected"), [
    ("Intraglandular treatment with adipose derived mesenchymal stem cells in patients with "
     "xerostomia due to Sjögrens syndrome (ASSIX)", "ASSIX"),
    ("Ketamine + Magnesium for Chronic Cluster Headache (KETALGIA)", "KETALGIA"),
    ("A Study in Insomnia (WCTP-I-B-02)", "WCTP-I-B-02"),
    ("Mesenchymal Stem Cells for Refractory Lupus (ReMMiD-C)", "ReMMiD-C"),
    # abbreviations of the words right before them name the condition, not the study
    ("Allogeneic Stem Cells for Primary Sjögren's Syndrome (pSS)", None),
    ("Anlotinib for Advanced Non-small Cell Lung Cancer(NSCLC)", None),
    ("Therapy for Adults with Posttraumatic Stress Disorder (PTSD)", None),
    ("Drug X in Generalized Anxiety Disorder (GAD)", None),
    # not acronym-shaped
    ("A Study Started in (2009)", None),
    ("A Study in (Lyon)", None),
    ("A Study (To Arouse Not Awaken)", None),
    ("A Study (Type 3c)", None),
    ("A Study (AB) of something", None),  # not trailing
    ("A Study (A)", None),
    ("", None),
    (None, None),
])
def test_acronym_from_title(title, expected):
    assert acronym_from_title(title) == expected


def test_squash_and_lookup_key():
    assert squash("  a \n\t b  ") == "a b"
    assert lookup_key("Active, not recruiting") == lookup_key("ACTIVE_NOT_RECRUITING") == "active not recruiting"
    assert lookup_key(" -- ") == ""


def test_acronym_heuristic_against_ctgov_acronym_field(ctgov_v2_dir):
    """On titles ending in ")", the heuristic agrees with identificationModule.acronym in most cases.

    Measured (462 v2 studies, 33 titles end in ")"): 19 agree (15 both empty, 4 same acronym),
    7 acronyms CT.gov has but the title does not end with (or ends with an abbreviation of the
    preceding words), 7 acronym-shaped tokens CT.gov leaves out of its acronym field.
    """
    agree = disagree = 0
    wrong_nonempty = []
    for path in sorted(ctgov_v2_dir.glob("NCT*.json")):
        ident = load_v2_study(path)["protocolSection"]["identificationModule"]
        title, acronym = ident.get("briefTitle", ""), ident.get("acronym")
        if not title.rstrip().endswith(")"):
            continue
        guess = acronym_from_title(title)
        if guess == acronym:
            agree += 1
        else:
            disagree += 1
            if guess and acronym:
                wrong_nonempty.append((guess, acronym))
    assert agree >= 19
    assert agree > disagree
    # when both exist they never contradict each other
    assert wrong_nonempty == []


def test_non_latin_values_are_not_mistaken_for_empty():
    from parsers.normalize import Unmapped
    from parsers.normalize.status import normalize_status

    assert lookup_key("招募中") == "招募中"
    with pytest.raises(Unmapped):
        normalize_status("招募中")
    assert lookup_key("Autorisé") == "autorise"


def test_abbreviation_check_is_not_exponential():
    import time

    title = " ".join(["a" * 30] * 25) + " (AAAAAAAAAAAAAAAAAAAB)"
    started = time.perf_counter()
    assert acronym_from_title(title) == "AAAAAAAAAAAAAAAAAAAB"
    assert time.perf_counter() - started < 1.0
