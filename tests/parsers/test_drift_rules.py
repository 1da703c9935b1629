"""The drift rules one at a time, on the invented Veeva test page: chrome anywhere, a slot that
refuses a UI word, tolerant headings, sections in any order, headings no rule names."""
from __future__ import annotations

from parsers import parse_text
from parsers.chrome import is_generic_chrome, remove_chrome
from parsers.headings import heading_key
from tests.parsers.test_veeva import SECTIONS, page

BASE = parse_text(page())


def _codes(record) -> set[str]:
    return {w.split(":", 1)[0] for w in record.warnings}


def test_generic_chrome_lines_and_value_lines_that_look_alike():
    for line in ("Share", "Print this page", "← Back to results", "Home > Trials > Knee Osteoarthritis",
                 "Skip to main content", "We use cookies to improve your experience.", "★★★★☆ (12 ratings)",
                 "Rated 4.5 out of 5", "Advertisement", "Privacy Policy", "© 2026 Some Portal Ltd."):
        assert is_generic_chrome(line), line
    for line in ("Yes", "No", "Female", "Home-based exercise", "Home/Community", "eGFR > 30 > 2", "Phase 1/2",
                 "* age > 18 years", "Cookie allergy", "Save Our Sight Foundation"):
        assert not is_generic_chrome(line), line
    # "Yes"/"No" go only as the answers of a feedback widget
    assert remove_chrome(["Was this page helpful?", "Yes", "No", "x"], "veeva") == (
        ["x"], ["Was this page helpful?", "Yes", "No"])
    assert remove_chrome(["Healthy volunteers", "Yes"], "veeva")[0] == ["Healthy volunteers", "Yes"]


def test_chrome_at_top_middle_and_bottom_is_removed_and_counted():
    record = parse_text(page(replace={
        "chrome": ["ClinicalTrials.Veeva", "", "Menu", "", "Share", "", "Home > Trials > Knee", ""],
        "Conditions": [*SECTIONS["Conditions"], "Advertisement", ""],
        "contacts": [*SECTIONS["contacts"], "Privacy Policy", ""]}))
    assert (record.title, record.lead_sponsor, [c.name for c in record.conditions]) == (
        BASE.title, BASE.lead_sponsor, [c.name for c in BASE.conditions])
    assert "chrome_removed: n=4 'Share', 'Home > Trials > Knee', 'Advertisement'" in record.warnings


def test_a_ui_word_is_never_the_title_or_the_sponsor():
    record = parse_text(page(replace={"title": ["Bookmarks", "", "O", "", "Oakridge Health Institute", ""]}))
    assert record.title is None and "suspect_value: title='Bookmarks' reads like site chrome" in record.warnings
    # a UI word the chrome rules know is removed; the avatar letter is then not taken for the title
    record = parse_text(page(replace={"title": ["Compare", "", "O", "", "Oakridge Health Institute", ""]}))
    assert record.title is None and record.lead_sponsor == BASE.lead_sponsor
    # the sponsor line must start with the avatar's letter
    record = parse_text(page(replace={"title": [BASE.title, "", "O", "", "Follow us", ""]}))
    assert record.lead_sponsor is None and "suspect_value" in _codes(record)


def test_a_title_wrapped_over_two_lines_is_joined():
    record = parse_text(page(replace={"title": ["Oral Vitamin K2 for Knee", "Osteoarthritis Pain (KNEEK)", "", "O", "",
                                                "Oakridge Health Institute", ""]}))
    assert record.title == BASE.title and record.lead_sponsor == BASE.lead_sponsor
    assert "joined_lines: title from 2 lines" in record.warnings


def test_reworded_headings_are_read_and_named():
    record = parse_text(page(replace={"Sex": ["Gender:", "", "Female", ""], "Conditions": ["CONDITION(S)", "", "Knee Osteoarthritis", "Chronic Pain", ""],
                                      "Status and phase": ["Status & Phase", "", "Recruiting", "Phase 3", "Phase 2", ""]}))
    assert (record.sex, record.status, record.phase) == (BASE.sex, BASE.status, BASE.phase)
    assert [c.name for c in record.conditions] == [c.name for c in BASE.conditions]
    assert "heading_variant: 'Gender:' read as 'Sex'" in record.warnings
    assert heading_key("Condition(s):") == heading_key("CONDITIONS") == "condition"


def test_a_value_word_under_its_heading_stays_a_value():
    """"Treatment" (a primary purpose) keys like the heading "Treatments", but it is the value."""
    record = parse_text(page(drop=("Treatments",)))
    assert record.primary_purpose == "TREATMENT" and record.allocation == "RANDOMIZED"


def test_sections_in_any_order():
    order = ["chrome", "title", "Sex", "Identifiers", "Conditions", "Status and phase", "Treatments", "Enrollment",
             "Ages", "Details", "Exclusion criteria", "Inclusion criteria", "Trial design", "arms", "contacts"]
    record = parse_text(page(order=order))
    for name in ("sex", "status", "phase", "enrollment", "min_age_years", "masking"):
        assert getattr(record, name) == getattr(BASE, name), name
    assert [i.value for i in record.identifiers] == [i.value for i in BASE.identifiers]
    assert "section_order: 'Identifiers' after 'Sex'" in record.warnings


def test_a_section_no_rule_names_is_set_aside_not_read_as_values():
    record = parse_text(page(replace={"Conditions": [*SECTIONS["Conditions"], "Ask a Question", "",
                                                     "Write to the study team.", ""]}))
    assert [c.name for c in record.conditions] == [c.name for c in BASE.conditions]
    assert "unknown_heading: 'Ask a Question'" in _codes(record) | set(record.warnings)


def test_the_chrome_pretests_answer_as_the_full_rules(ctgov_v2_dir):
    """is_generic_chrome tests a line's start, two words and its glyphs before the patterns, and
    builds the UI key with str methods: on every line of real pages in every layout, every line of
    chrome the drift mutations insert, and lines at the edges (case, glyphs on either side, other
    whitespace, a pattern's word mid-line), it answers as the patterns and the regex key alone."""
    import re

    from parsers.chrome import _ANY_GENERIC, UI_PHRASES, _may_be_generic, _ui_key
    from tests.drift.mutations import BOTTOM_CHROME, MIDDLE_CHROME, TOP_CHROME
    from tests.parsers.pages import real_page_lines

    glyphs = re.compile(r"^[\s←→↑↓‹›«»<>✉☰⋮•·|]+|[\s←→↑↓‹›«»<>✉☰⋮•·|.:!?]+$")  # the key's rule as a regex

    def regex_key(line: str) -> str:
        return re.sub(r"\s+", " ", glyphs.sub("", line)).casefold()

    lines = [*TOP_CHROME, *MIDDLE_CHROME, *(t for text in BOTTOM_CHROME for t in text.split("\n")), *UI_PHRASES,
             "HOME › STUDIES › X", "Trials » Cancer » Lung", "SKIP TO CONTENT", "Our cookie policy: we use cookies.",
             "4.5 OUT OF 5 STARS", "COPYRIGHT 2024 X", "©2024", "Start / Trials / X", "x © y", "...", "→ .",
             "\u2003Share\u2003", "•\u00a0Menu ›", "« Back to results »", "Rated\u20094 out of 5",
             "Download PDF!?", "☰ Menu", "Compare: ", "Home-based care", "Trials in Köln › Ärzte › X",
             *real_page_lines(ctgov_v2_dir)]
    matched = 0
    for line in dict.fromkeys(lines):
        text = line.strip()
        assert _ui_key(text) == regex_key(text), line
        full = text != "" and _ANY_GENERIC.fullmatch(text) is not None
        assert _may_be_generic(text) or not full, line
        matched += full
    assert matched >= 20  # the patterns' own lines reached them
