"""Site chrome: lines a page shows around the trial that are never data. THE place to edit.

Two kinds, both removed wherever they stand on the page (top, between sections, bottom):
- SITE_CHROME / SITE_CHROME_PATTERNS: each site's own furniture (its menu, its footer lines).
  They are expected on every page of that site, so removing them says nothing.
- Generic chrome (UI_PHRASES, GENERIC_PATTERNS): share / print / save / back links,
  breadcrumbs, skip links, cookie banners, ratings, ads, footer links. A site shows these
  when its template changes or the scraper catches more of the page; each removal is
  counted in a "chrome_removed" warning, so the drift report shows it.

Answering a drift alert that names a UI line read as data: add the line to the site's
SITE_CHROME entry (exact text) or, if any site may print it, to UI_PHRASES (matched after
case, surrounding punctuation and arrow/icon glyphs are ignored).
A rule here must never match a value line: "Yes"/"No" (healthy volunteers) are removed only
right after a "Was this page helpful?" line.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

SITE_CHROME: dict[str, frozenset[str]] = {
    "veeva": frozenset({"ClinicalTrials.Veeva", "Menu", "Loading...", "Clinical trials",
                        "Find clinical trialsTrials by location", "Find clinical trials", "Trials by location"}),
    "medpath": frozenset(),
    "ctgov_text": frozenset(),
}
SITE_CHROME_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "veeva": (re.compile(r"©.*Veeva Systems.*"),),
    "medpath": (re.compile(r"©.*MedPath.*"),),
    "ctgov_text": (),
}

# Whole lines of site furniture, compared after `_ui_key` (casefold, glyphs and punctuation off).
UI_PHRASES = frozenset({
    # actions
    "share", "print", "save", "email", "copy link", "bookmark", "follow", "subscribe", "download",
    "download pdf", "tweet", "facebook", "linkedin", "twitter", "whatsapp", "sign in", "log in", "sign up",
    "log out", "register", "menu", "search", "close", "compare",
    # navigation
    "back", "back to top", "back to results", "back to search results", "back to search", "previous", "next",
    "show more", "show less", "read more", "see more", "view more", "expand all", "collapse all",
    # feedback and ratings
    "was this page helpful", "rate this page", "rate this trial", "rate this study", "report an issue",
    "report a problem", "give feedback", "feedback",
    # ads
    "advertisement", "sponsored", "sponsored content", "ad", "promoted",
    # footer links
    "privacy policy", "privacy", "terms of use", "terms of service", "terms and conditions", "terms",
    "contact us", "about us", "accessibility", "sitemap", "help", "newsletter", "careers", "all rights reserved",
    "cookie policy", "cookie settings", "cookie preferences", "manage cookies", "manage cookie preferences",
    "accept cookies", "accept all cookies", "reject all", "accept all",
})
_ACTION = re.compile(
    r"(?:share|print|save|email|follow|bookmark|subscribe to|download)(?: this)?(?: (?:trial|study|page|link|pdf|updates))?"
    r"(?: (?:to|on) (?:my list|favorites|favourites|facebook|twitter|linkedin))?")

GENERIC_PATTERNS: tuple[re.Pattern[str], ...] = (
    # breadcrumbs: "Home > Trials > X", "Home / Studies / NCT…", "Trials › Cancer › X"
    re.compile(r"(?:home|start)\s+[>›»/|]\s+.*", re.IGNORECASE),
    re.compile(r"[^>›»]{1,60}(?:\s[›»]\s[^>›»]{1,80}){2,}"),
    # skip links
    re.compile(r"skip to (?:main )?(?:content|navigation|search|main)\b.*", re.IGNORECASE),
    # cookie banners (a sentence about cookies that asks or informs)
    re.compile(r".{0,60}\b(?:we|this (?:site|website)) uses? cookies\b.{0,160}", re.IGNORECASE),
    re.compile(r"(?:accept|reject|allow|manage|customi[sz]e)\b.{0,30}\bcookies?\b.{0,30}", re.IGNORECASE),
    # ratings: star glyphs, "Rated 4.5 out of 5", "4.5/5 (12 reviews)"
    re.compile(r"[★☆✩✪⭐][★☆✩✪⭐\s]*(?:\(?\d+(?:\.\d+)?\s*(?:/\s*5)?\)?)?(?:\s*\(?\d+ (?:ratings?|reviews?|votes?)\)?)?"),
    re.compile(r"rated\s+\d(?:\.\d)?\s*(?:out of|/)\s*5(?:\s+stars?)?(?:\s*\(?\d+ (?:ratings?|reviews?|votes?)\)?)?",
               re.IGNORECASE),
    re.compile(r"\d(?:\.\d)?\s*out of\s*5\s+stars?(?:\s*\(?\d+ (?:ratings?|reviews?|votes?)\)?)?", re.IGNORECASE),
    # copyright lines
    re.compile(r"(?:©|copyright\s+©?\s*\d{4})\s*.{0,120}", re.IGNORECASE),
)
_HELPFUL = re.compile(r".*\bhelpful\?.*", re.IGNORECASE)
_ANSWERS = frozenset({"yes", "no"})
# Glyphs a site puts around a link's text (arrows, icons, bullets of menus) and, after it,
# closing punctuation: stripped with whitespace (every character str.isspace() accepts).
_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())  # none above U+3000
_LEADING = _WHITESPACE + "←→↑↓‹›«»<>✉☰⋮•·|"
_TRAILING = _LEADING + ".:!?"


def _ui_key(line: str) -> str:
    """"→ Share this page!" -> "share this page": str methods, not a regex that tries every
    position of the line for a trailing run (the cost of a line the first time it is seen)."""
    return " ".join(line.lstrip(_LEADING).rstrip(_TRAILING).split()).casefold()


_ANY_GENERIC = re.compile("|".join(f"(?:{p.pattern})" for p in GENERIC_PATTERNS), re.IGNORECASE)
# Every generic pattern needs one of these: a cheap first test for the many lines that have
# none. Lower-case starts of the patterns anchored at the line's start, words they hold
# anywhere, and the glyphs they need (none of them ASCII).
_STARTS = ("home", "start", "skip", "rated", "copyright")
_WORDS = ("cookie", "out of")
_GLYPH_HINTS = ("›", "»", "★", "☆", "✩", "✪", "⭐", "©")


def _may_be_generic(text: str) -> bool:
    """False when no GENERIC_PATTERNS can match the stripped line `text` (see _STARTS)."""
    low = text.lower()
    if low.startswith(_STARTS) or _WORDS[0] in low or _WORDS[1] in low:
        return True
    if text.isascii():  # O(1): the glyphs are not ASCII
        return False
    for glyph in _GLYPH_HINTS:
        if glyph in text:
            return True
    return False

_SHORT = 60  # UI phrases are short; longer lines skip that test


@lru_cache(maxsize=1 << 16)
def is_generic_chrome(line: str) -> bool:
    """A line any site may show around the content (share links, breadcrumbs, cookie banner...)."""
    text = line.strip()
    if not text or len(text) > 240:
        return False
    if len(text) <= _SHORT:
        key = _ui_key(text)
        if key in UI_PHRASES or (key and _ACTION.fullmatch(key)):
            return True
    return _may_be_generic(text) and _ANY_GENERIC.fullmatch(text) is not None


@lru_cache(maxsize=None)
def _site_pattern(site: str) -> re.Pattern[str] | None:
    patterns = SITE_CHROME_PATTERNS.get(site, ())
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns)) if patterns else None


@lru_cache(maxsize=None)
def _site_test(site: str) -> Callable[[str], bool]:
    """The site's chrome test for a stripped, non-empty line (built once per site)."""
    exact = SITE_CHROME.get(site, frozenset())
    pattern = _site_pattern(site)
    if pattern is None:
        return exact.__contains__
    fullmatch = pattern.fullmatch
    return lambda text: text in exact or fullmatch(text) is not None


def is_site_chrome(line: str, site: str) -> bool:
    text = line.strip()
    return bool(text) and _site_test(site)(text)


_KEEP, _SITE, _GENERIC = 0, 1, 2
_KINDS: dict[str, dict[str, int]] = {}  # site -> {stripped line: kind}: pages repeat their chrome and headings


def _line_kinds(site: str) -> dict[str, int]:
    kinds = _KINDS.setdefault(site, {})
    if len(kinds) > 1 << 16:
        kinds.clear()
    return kinds


def remove_chrome(lines: list[str], site: str) -> tuple[list[str], list[str]]:
    """(lines without chrome, the generic chrome lines removed). Blank lines are kept."""
    kept: list[str] = []
    removed: list[str] = []
    after_question = False
    is_site = _site_test(site)  # per line below: looked up once
    kinds = _line_kinds(site)
    for line in lines:
        text = line.strip()
        if not text:
            kept.append(line)
            continue
        kind = kinds.get(text)
        if kind is None:
            kind = kinds[text] = _SITE if is_site(text) else _GENERIC if is_generic_chrome(text) else _KEEP
        if kind == _SITE:
            after_question = False
            continue
        if kind == _GENERIC or (after_question and text.casefold() in _ANSWERS):
            removed.append(text)
            after_question = after_question or bool(_HELPFUL.fullmatch(text))
            continue
        after_question = False
        kept.append(line)
    return kept, removed


def looks_like_chrome(line: str, site: str) -> bool:
    """A value that is furniture: a slot (title, sponsor) must not hold it."""
    return is_site_chrome(line, site) or is_generic_chrome(line)
