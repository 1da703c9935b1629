"""Heading wording: how a line is compared with a layout's headings, and each site's synonyms.

Sites reword headings: case ("STUDY TYPE"), punctuation ("Sex:"), "&" for "and",
singular/plural ("Condition", "Condition(s)"), or another word ("Gender"). `heading_key`
removes the first four; SYNONYMS maps the other words, per site, to the heading the layout
module knows. Answering a drift alert that names an unknown heading ("unknown_heading:
'Eligible ages'"): add it here under its site, mapped to the heading it replaces, e.g.
    "veeva": {..., "Eligible ages": "Ages"}
A synonym is compared through `heading_key` too, so one spelling covers its case, punctuation
and plural variants.

SECTION_WORDS recognises a heading no layout knows yet ("Data Sharing Statement"), so its
lines are set aside (an "unknown_heading" warning) instead of being read as part of the
section above it.
"""
from __future__ import annotations

import re
from functools import lru_cache

SYNONYMS: dict[str, dict[str, str]] = {
    "veeva": {
        "Phase and status": "Status and phase", "Status": "Status and phase",
        "Diseases": "Conditions", "Disease": "Conditions", "Conditions studied": "Conditions",
        "Interventions": "Treatments",
        "Type of study": "Study type",
        "Funders": "Funder types", "Funding": "Funder types", "Funder": "Funder types",
        "Trial identifiers": "Identifiers", "Study identifiers": "Identifiers", "Study IDs": "Identifiers",
        "IDs": "Identifiers",
        "Summary": "About", "Overview": "About", "Brief summary": "About",
        "Detailed description": "Full description",
        "Enrolment": "Enrollment", "Participants": "Enrollment", "Number of participants": "Enrollment",
        "Gender": "Sex",
        "Age": "Ages", "Age range": "Ages", "Eligible ages": "Ages",
        "Healthy volunteers": "Volunteers",
        "Inclusion": "Inclusion criteria", "Who can take part": "Inclusion criteria",
        "Exclusion": "Exclusion criteria", "Who cannot take part": "Exclusion criteria",
        "Study design": "Trial design", "Design": "Trial design",
        "Purpose": "Primary purpose",
        "Contacts and locations": "Trial contacts and locations",
        "Central contact": "Central trial contact",
    },
    "medpath": {
        "Diseases": "Conditions", "Disease": "Conditions",
        "Registration No.": "Registration Number", "Registration ID": "Registration Number",
        "Trial ID": "Registration Number",
        "Sponsor": "Lead Sponsor",
        "Summary": "Brief Summary", "Description": "Detailed Description",
        "Recruitment and eligibility": "Recruitment & Eligibility", "Eligibility": "Recruitment & Eligibility",
        "Recruitment Status": "Status", "Trial Status": "Status",
        "Gender": "Sex",
        "Target Enrollment": "Target Recruitment", "Target Enrolment": "Target Recruitment",
        "Actual Enrollment": "Actual Recruitment", "Actual Enrolment": "Actual Recruitment",
        "Enrolment": "Enrollment", "Participants": "Enrollment", "Number of participants": "Enrollment",
        "Inclusion": "Inclusion Criteria", "Who can take part": "Inclusion Criteria",
        "Exclusion": "Exclusion Criteria", "Who cannot take part": "Exclusion Criteria",
        "Design": "Study & Design", "Type of Study": "Study Type",
        "Locations": "Trial Locations", "Study Sites": "Trial Locations", "Sites": "Trial Locations",
    },
    "ctgov_text": {
        "Overview": "Basic Information", "Key Information": "Basic Information", "Basic Info": "Basic Information",
        "Summary": "Brief Summary", "Description": "Detailed Description",
        "Diseases": "Conditions", "Disease": "Conditions",
        "Design": "Study Design",
        "Study Arms": "Study Groups", "Arms": "Study Groups", "Groups and Cohorts": "Study Groups",
        "Treatments": "Interventions",
        "Eligibility": "Eligibility Criteria", "Participation Criteria": "Eligibility Criteria",
        "Sponsors and Collaborators": "Sponsors", "Sponsor": "Sponsors",
        "Investigators": "Principal Investigators",
        "Study Locations": "Locations", "Sites": "Locations",
        "Contacts": "Central Contacts",
        "Publications": "References",
        "Other IDs": "Other Identifiers", "Secondary Identifiers": "Other Identifiers",
        "Secondary IDs": "Other Identifiers",
    },
}

# Last words of a section heading that no layout knows ("Data Sharing Statement", "Trial Updates").
SECTION_WORDS = frozenset({
    "collaborator", "document", "statement", "publication", "information", "update", "resource",
    "overview", "summary", "link", "note", "faq", "news",
})
# Site widgets listing other trials ("Related trials", "Similar studies", "More trials near you").
_WIDGET = re.compile(r"(?:related|similar|other|more|linked|recommended|recruiting|nearby)\s+(?:trials|studies)\b.{0,30}",
                     re.IGNORECASE)
_HEADING_SHAPE = re.compile(r"[A-Z][A-Za-z&/'()-]*(?: [A-Za-z&/'()-]+){0,4}")


_PUNCTUATION = re.compile(r"[^\w\s]+")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def heading_key(text: str) -> str:
    """"Condition(s):" / "CONDITIONS" / "conditions" -> "condition"; "Study & Design" -> "study and design"."""
    text = text.casefold().replace("&", " and ").replace("(s)", "s")
    if not (text.isascii() and text.replace(" ", "").isalnum()):  # most lines: no punctuation to blank
        text = _PUNCTUATION.sub(" ", text)
    return " ".join([_singular(word) for word in text.split()])


def heading_shaped(line: str) -> bool:
    """Short capitalised words without digits or closing punctuation: "Collaborators", "Study Arms"."""
    return bool(_HEADING_SHAPE.fullmatch(line.strip()))


_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def may_be_shaped(text: str) -> bool:
    """False when _HEADING_SHAPE cannot match `text` (stripped), with or without trailing colons:
    it starts with a capital A-Z and holds at most four spaces. Most lines of a page fail this
    cheaper test, so they skip the memoized tests below (a cache lookup and, for a line seen
    once, a regex match and an eviction)."""
    return text[:1] in _CAPITALS and text.count(" ") <= 4


def unknown_section_heading(line: str) -> bool:
    """A short capitalised line ending in a word sections are named by: a heading no layout knows."""
    return may_be_shaped(line.strip()) and _unknown_section_heading(line)


def heading_like(line: str) -> bool:
    """Shaped like a heading: up to five words, no digits, no closing punctuation, its longer
    words capitalised ("Funding Sources", "Ask a Question")."""
    return may_be_shaped(line.strip()) and _heading_like(line)


@lru_cache(maxsize=1 << 16)  # asked of every line of a page, often the same lines
def _unknown_section_heading(line: str) -> bool:
    text = line.strip().rstrip(":")
    if not _HEADING_SHAPE.fullmatch(text):
        return False
    words = heading_key(text).split()
    return bool(words) and (words[-1] in SECTION_WORDS or bool(_WIDGET.fullmatch(text)))


@lru_cache(maxsize=1 << 16)  # asked of every line of a page, often the same lines
def _heading_like(line: str) -> bool:
    text = line.strip()
    if not _HEADING_SHAPE.fullmatch(text) or (text.isupper() and " " not in text):  # "OTHER": an enum value
        return False
    return all(w[:1].isupper() for w in text.split() if len(w) > 3)


def sentence_like(line: str) -> bool:
    """A sentence of prose: ends with a period, several words, some of them lower case."""
    words = line.strip().split()
    return line.strip().endswith(".") and len(words) >= 4 and sum(w.islower() for w in words) >= 2
