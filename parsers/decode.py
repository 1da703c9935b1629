"""Raw bytes -> page text: encoding detection, transport clean-up and mojibake triage.

`decode_bytes(data)` returns a `Decoded(text, encoding, warnings)` or raises `NotText`
(reason "binary" or "undecodable") so intake can quarantine the file with that reason.

Order of decisions (each one is structural, never about page values):
1. A BOM wins (UTF-8, UTF-32, UTF-16 LE/BE).
2. Known binary signatures (PDF, ZIP/Office, gzip, PNG, JPEG, GIF) -> "binary".
3. BOM-less UTF-16: one byte of nearly every pair is NUL -> decode as UTF-16 of that order.
4. Any other NUL byte -> "binary" (no text encoding a scraper produces contains NUL).
5. UTF-8, tolerating a few broken bytes (replaced by U+FFFD, warning
   "invalid_bytes_replaced: n=.. (codec)"; same for BOM/UTF-16 text); else, when at least 10% of the bytes are ASCII,
   charset-normalizer picks a legacy encoding, preferring Windows-1252 when it reads the
   bytes as well as the winner (Western registries; charset-normalizer often ranks the
   look-alike cp1250 first on short Latin text). No candidate -> "undecodable".
6. Too many control characters in the decoded text -> "binary".
Then CRLF/CR -> LF, and mojibake: ftfy repairs what round-trips cleanly ("SjÃ¶gren" ->
"Sjögren", warning "mojibake_repaired: n=<changed lines>"); what it cannot repair is flagged,
not changed ("mojibake_unrepaired: 'ā„' at line 45").
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

BINARY = "binary"
UNDECODABLE = "undecodable"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF-", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a",
    b"\xd0\xcf\x11\xe0",  # OLE2 (old .doc/.xls)
)
_SNIFF = 8192  # bytes/chars looked at by the heuristics
_MIN_ASCII_SHARE = 0.10  # legacy (non-UTF) decoding needs at least this share of ASCII bytes
_CONTROL_LIMIT = 0.05  # share of control characters above which decoded "text" is binary
_MAX_UNREPAIRED_REPORTS = 20
# Encodings a mis-decoded UTF-8 byte sequence typically went through. Cyrillic/Greek code
# pages are left out on purpose: their upper halves are ordinary letters of real text.
_MOJIBAKE_CODECS = ("cp1252", "latin-1", "cp1250", "cp1257", "iso8859-2", "iso8859-15")
# Characters that naturally follow a word ending in an accented letter ("groß“", "café—").
_NATURAL_AFTER_LETTER = frozenset("’”“»›…–—™®©°¹²³·'\"")
# cp1252 readings of the most common UTF-8 lead bytes C2, C3, E2: after these, any
# continuation-byte character is mojibake ("Ã©", "Â®", "â€").
_STRONG_LEADS = frozenset("ÂÃâ")


class NotText(ValueError):
    """The bytes are not a text page; `reason` is the quarantine reason ("binary" | "undecodable")."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Decoded:
    text: str  # LF line ends, no BOM
    encoding: str  # Python codec name actually used
    warnings: list[str] = field(default_factory=list)  # "code: detail", same convention as SourceRecord


def decode_bytes(data: bytes) -> Decoded:
    """Decode a raw page. Raises NotText for binary or undecodable content (never for text)."""
    warnings: list[str] = []
    text, encoding, replaced = _decode(data)
    if encoding not in ("utf-8", "ascii"):
        warnings.append(f"non_utf8_encoding: {encoding}")
    if replaced:
        warnings.append(f"invalid_bytes_replaced: n={replaced} ({encoding})")
    text = text.lstrip("\ufeff")
    _reject_control_heavy(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, repaired, unrepaired = _mojibake_pass(text, repair=True, flag=True)
    if repaired:
        warnings.append(f"mojibake_repaired: n={repaired}")
    warnings.extend(unrepaired)
    return Decoded(text=text, encoding=encoding, warnings=warnings)


# --- encoding ----------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str, int]:
    """(text, codec, number of invalid byte sequences replaced by U+FFFD)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            decoded = _tolerant(data[len(bom):], encoding)
            if decoded is None:
                raise NotText(UNDECODABLE, f"{encoding} BOM but mostly invalid {encoding}")
            return decoded[0], encoding, decoded[1]
    for magic in _BINARY_MAGIC:
        if data.startswith(magic):
            raise NotText(BINARY, f"file signature {magic[:4]!r}")
    utf16 = _bomless_utf16(data)
    if utf16:
        decoded = _tolerant(data, utf16)
        if decoded is not None:
            return decoded[0], utf16, decoded[1]
        # looked like UTF-16 but is not: fall through to the NUL rule
    if b"\x00" in data:
        raise NotText(BINARY, f"NUL byte at offset {data.index(0)}")
    decoded = _tolerant(data, "utf-8")
    if decoded is not None:
        return decoded[0], "utf-8", decoded[1]
    text, encoding = _decode_legacy(data)
    return text, encoding, 0


def _tolerant(data: bytes, encoding: str) -> tuple[str, int] | None:
    """Decode with U+FFFD for invalid sequences when they are few: (text, replaced) or None.

    "Few" = the valid non-ASCII characters clearly outnumber the invalid sequences (a flipped
    or cut byte in a real UTF-8/UTF-16 page). A legacy single-byte file almost never forms
    valid UTF-8 sequences by chance, so it fails this test and goes to charset detection.
    """
    try:
        return data.decode(encoding), 0
    except UnicodeDecodeError:
        pass
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode(encoding)) if encoding == "utf-8" else text.count("\ufffd")
    if encoding == "utf-8":
        good = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    else:  # UTF-16/32: every character counts as evidence the code unit width is right
        good = len(text) - bad
    return (text, bad) if good > 2 * bad else None


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when one byte of nearly every pair is NUL (ASCII-heavy UTF-16)."""
    sample = data[:_SNIFF]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_nul = sample[0:pairs * 2:2].count(0)
    odd_nul = sample[1:pairs * 2:2].count(0)
    if odd_nul >= 0.6 * pairs and even_nul <= 0.05 * pairs:
        return "utf-16-le"
    if even_nul >= 0.6 * pairs and odd_nul <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    sample = data[:_SNIFF]
    ascii_share = sum(1 for b in sample if 0x20 <= b < 0x7F or b in b"\t\n\r") / len(sample)
    if ascii_share < _MIN_ASCII_SHARE:
        # charset-normalizer reads random bytes as some CJK code page; real pages, even
        # Chinese ones, have ASCII spaces, digits, ids and markup.
        raise NotText(UNDECODABLE, f"not UTF-8 and only {ascii_share:.0%} ASCII: no plausible legacy encoding")
    matches = list(from_bytes(data))
    if not matches:
        raise NotText(UNDECODABLE, "not UTF-8 and no legacy encoding reads it without chaos")
    best = matches[0]
    best_text = str(best)
    cp1252 = _strict(data, "cp1252")
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + 0.01:
            return str(match), "cp1252"
    if cp1252 is not None and cp1252 == best_text:
        return cp1252, "cp1252"  # same characters: name the Western code page
    return best_text, best.encoding


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


# C0 controls other than \t \n \v \f \r, DEL and the C1 controls: rare in any real page
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _reject_control_heavy(text: str) -> None:
    sample = text[:_SNIFF]
    if not sample:
        return
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls / len(sample) > _CONTROL_LIMIT:
        raise NotText(BINARY, f"{controls} control characters in the first {len(sample)}")


# --- mojibake ----------------------------------------------------------------------------------

def repair_mojibake(text: str) -> tuple[str, int]:
    """ftfy's encoding repair only (no quote uncurling, no HTML unescaping); returns (text, changed lines)."""
    text, changed, _ = _mojibake_pass(text, repair=True, flag=False)
    return text, changed


def flag_mojibake(text: str) -> list[str]:
    """Warnings for mis-decoded UTF-8 that ftfy could not repair; the text is left as it is."""
    return _mojibake_pass(text, repair=False, flag=True)[2]


def _mojibake_pass(text: str, repair: bool, flag: bool) -> tuple[str, int, list[str]]:
    """(text repaired, lines changed, flags of what is left), the flags as flag_mojibake gives them
    for the repaired text, in one pass over the lines. Line by line, ASCII lines skipped: a
    repair only ever happens per line, ftfy's badness regex over a whole page cost more than
    the parse itself, and one pass instead of two (split, repair, join, split, flag) saved
    about 18 of 59 µs a page on the bench corpus."""
    if text.isascii():
        return text, 0, []
    import ftfy

    from parsers.badness import is_bad  # ftfy's answer, tried only where a match can start

    pattern, leads = _mojibake_pairs()
    lines = text.split("\n")
    changed = extra = 0
    flags: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        if repair and is_bad(line):
            fixed = ftfy.fix_encoding(line)
            if fixed != line:
                if flag and "\n" in fixed:  # never seen; the flags' line numbers would shift: two passes
                    repaired, changed, _ = _mojibake_pass(text, repair=True, flag=False)
                    return repaired, changed, _mojibake_pass(repaired, repair=False, flag=True)[2]
                lines[number - 1] = line = fixed
                changed += 1
        if flag and leads.search(line):  # every pair starts with a lead letter ("•", "≥" lines: none)
            for match in pattern.finditer(line):
                if len(flags) < _MAX_UNREPAIRED_REPORTS:
                    flags.append(f"mojibake_unrepaired: {match.group()!r} at line {number}")
                else:
                    extra += 1
    if extra:
        flags.append(f"mojibake_unrepaired: {extra} more")
    return ("\n".join(lines) if changed else text), changed, flags


@lru_cache(maxsize=1)
def _mojibake_pairs() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(regex for 'lead-byte letter' + 'continuation-byte symbol' pairs of one single-byte
    codec, regex for any of the lead letters: a line without one has no such pair)."""
    alternatives = []
    all_leads: set[str] = set()
    for codec in _MOJIBAKE_CODECS:
        leads = _chars(codec, range(0xC2, 0xF5))
        conts = _chars(codec, range(0x80, 0xC0))
        leads = {c for c in leads if unicodedata.category(c).startswith("L")}
        all_leads |= leads
        strong = leads & _STRONG_LEADS
        weak_conts = {c for c in conts if not unicodedata.category(c).startswith(("L", "N", "Z")) and c not in _NATURAL_AFTER_LETTER}
        if leads and weak_conts:
            alternatives.append(f"[{_cls(leads)}][{_cls(weak_conts)}]")
        if strong and conts:
            alternatives.append(f"[{_cls(strong)}][{_cls(conts)}]")
    return re.compile("|".join(alternatives)), re.compile(f"[{_cls(all_leads)}]")


def _chars(codec: str, byte_values: range) -> set[str]:
    out = set()
    for b in byte_values:
        try:
            out.add(bytes([b]).decode(codec))
        except UnicodeDecodeError:
            continue
    return out


def _cls(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))
