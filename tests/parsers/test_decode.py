"""decode_bytes: encodings, transport noise, binary/undecodable, mojibake repair and flags."""
from __future__ import annotations

import codecs
import json
import random
import re

import pytest
from hypothesis import given, settings, strategies as st

from parsers.badness import _plan, anchors_of, is_bad
from parsers.decode import BINARY, UNDECODABLE, NotText, decode_bytes, flag_mojibake, repair_mojibake

# Typed here, in the languages registries publish in (German, French, Polish, Spanish, Chinese,
# Japanese, Greek, Ukrainian): real UTF-8 text that must never be flagged or "repaired".
MULTILINGUAL = [
    "Sjögren-Syndrom bei Erwachsenen in München und Düsseldorf, „Zitat“ groß“",
    "Étude de phase II sur l'efficacité — « déjà » naïve, où, cœur, Noël",
    "Badanie mężczyzn i kobiet w Łodzi: zażółć gęślą jaźń, źdźbło",
    "Ensayo en España con niños: ¿qué dosis? ¡sí! Señor Muñoz",
    "中国临床试验注册中心 随机对照试验 年龄 ≥ 18 岁 受试者",
    "治験 ランダム化比較試験 日本語のテキスト",
    "Κλινική δοκιμή φάσης ΙΙ σε ενήλικες",
    "Клінічне дослідження: пацієнти з їжею, під наглядом, є",
    "São Paulo – AÇÃO clínica; Ñandú; Ærøskøbing; Øresund",
    "Dose 25 µg/kg ± 3 °C, 10⁶ cells, ≤ 5 mL, ≥ 18 years, 1½ tablets",
]


def test_utf8_plain_and_with_bom():
    text = "Sjögren ≥ 18"
    assert decode_bytes(text.encode("utf-8")).text == text
    with_bom = decode_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert (with_bom.text, with_bom.encoding, with_bom.warnings) == (text, "utf-8", [])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_and_without_bom(encoding):
    text = "Title: Sjögren study\nNCT01234567 ≥ 18 years\n"
    decoded = decode_bytes(text.encode(encoding))
    assert decoded.text == text
    assert decoded.encoding.startswith(encoding[:6])


def test_crlf_and_cr_become_lf():
    assert decode_bytes(b"a\r\nb\rc\n").text == "a\nb\nc\n"


def test_windows_1252_detected_and_reported():
    text = "Sjögren syndrome in München – “quoted” café, España, niño"
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded.text == text
    assert decoded.encoding == "cp1252"
    assert "non_utf8_encoding: cp1252" in decoded.warnings


def test_latin1_text_decodes_to_the_same_characters():
    text = "Résumé naïve 25 µg ± 3, Øresund, façade " * 3
    assert decode_bytes(text.encode("latin-1")).text == text


def test_polish_cp1250_is_not_forced_into_cp1252():
    text = "Badanie mężczyzn w Łodzi: zażółć gęślą jaźń " * 2
    decoded = decode_bytes(text.encode("cp1250"))
    assert decoded.text == text


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"PK\x03\x04\x14\x00\x06\x00",
    b"\x89PNG\r\n\x1a\n\x00\x00",
    b"hello\x00world and more text",
    bytes(range(0, 32)) * 20,
])
def test_binary_raises_with_binary_reason(data):
    with pytest.raises(NotText) as info:
        decode_bytes(data)
    assert info.value.reason == BINARY


def test_random_high_bytes_are_undecodable():
    data = bytes(random.Random(7).randrange(0x80, 0x100) for _ in range(3000))
    with pytest.raises(NotText) as info:
        decode_bytes(data)
    assert info.value.reason == UNDECODABLE


def test_mostly_invalid_utf16_after_bom_is_undecodable():
    with pytest.raises(NotText) as info:
        decode_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8" * 50)  # nothing but lone high surrogates
    assert info.value.reason == UNDECODABLE


def test_utf16_cut_at_an_odd_byte_keeps_its_text():
    decoded = decode_bytes("NCT01234567 Sjögren trial".encode("utf-16")[:-1])
    assert decoded.text.startswith("NCT01234567 Sjögren tria")
    assert "invalid_bytes_replaced: n=1 (utf-16-le)" in decoded.warnings


def test_repairable_mojibake_is_repaired_and_counted():
    broken = "Sjögren syndrome\nnothing here\ncafé".encode("utf-8").decode("cp1252").encode("utf-8")
    decoded = decode_bytes(broken)
    assert decoded.text == "Sjögren syndrome\nnothing here\ncafé"
    assert "mojibake_repaired: n=2" in decoded.warnings
    assert not [w for w in decoded.warnings if w.startswith("mojibake_unrepaired")]


def test_lost_byte_mojibake_is_flagged_with_line_and_kept():
    # "≥" (E2 89 A5) read through a Baltic code page lost a byte and was re-encoded as "ā„"
    # (C4 81 E2 80 9E): the shape of seed 001's criteria line.
    data = "Inclusion:\n* proteinuria ".encode() + bytes.fromhex("C481E2809E") + b"1g/day\n"
    decoded = decode_bytes(data)
    assert "proteinuria ā„1g/day" in decoded.text  # not changed
    assert "mojibake_unrepaired: 'ā„' at line 2" in decoded.warnings


def test_seed_001_flags_its_broken_greater_or_equal(seeds_dir):
    (path,) = sorted(seeds_dir.glob("001_*"))
    decoded = decode_bytes(path.read_bytes())
    flags = [w for w in decoded.warnings if w.startswith("mojibake_unrepaired")]
    assert len(flags) == 1 and "'ā„'" in flags[0]
    line = int(flags[0].rsplit(" ", 1)[1])
    assert "ā„" in decoded.text.split("\n")[line - 1]


@pytest.mark.parametrize("text", MULTILINGUAL)
def test_no_false_positive_on_real_multilingual_text(text):
    assert flag_mojibake(text) == []
    assert repair_mojibake(text) == (text, 0)
    assert decode_bytes(text.encode("utf-8")).warnings == []


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_no_flags_or_repairs_on_real_v2_studies(ctgov_v2_dir):
    """Every string of the 462 real studies (titles, descriptions, criteria, sites...): zero flags."""
    files = sorted(ctgov_v2_dir.glob("NCT*.json"))
    assert len(files) >= 400
    flagged, strings = [], 0
    for path in files:
        raw = path.read_bytes()
        assert decode_bytes(raw).warnings == [], path.name
        for text in _strings(json.loads(raw)):
            strings += 1
            if flag_mojibake(text) or repair_mojibake(text)[1]:
                flagged.append((path.name, text[:60]))
    assert strings > 50_000
    assert flagged == []


def test_utf8_with_one_broken_byte_stays_utf8_with_a_warning():
    text = "Età ≥ 18 anni, Sjögren, café — naïve " * 5
    data = bytearray(text.encode("utf-8"))
    data[3] = 0xFF  # second byte of "à": the lone lead byte and 0xFF are two invalid sequences
    decoded = decode_bytes(bytes(data))
    assert decoded.encoding == "utf-8"
    assert "≥ 18 anni" in decoded.text and "\ufffd" in decoded.text
    assert "invalid_bytes_replaced: n=2 (utf-8)" in decoded.warnings


# --- parsers.badness: ftfy's is_bad, tried only where a match can start -----------------------


def _ftfy_is_bad(text: str) -> bool:
    from ftfy.badness import is_bad as ftfy_is_bad

    return ftfy_is_bad(text)


def test_badness_anchors_are_read_from_ftfys_regex():
    _, anchor, lead = _plan()
    assert anchor is not None and 0 <= lead <= 3  # else is_bad falls back to ftfy's full search
    assert anchors_of(re.compile(r"a|b\s")) is None  # a branch without a non-ASCII anchor
    assert anchors_of(re.compile(r"[a-z]\s?é|ü")) == (frozenset("éü"), 2)


_MOJIBAKE_ALPHABET = "".join(sorted(set("abzAZ .,!?\t0189•≥≤©×®éüäôèïµ™óíγöà€ÃÂÎÐœŒ°²³ØÙВГРСΒΓΞΟ‚Ä√≈¢∂†≠´¥øāβвЂ\x85\xa0\ufffd")))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_MOJIBAKE_ALPHABET) | st.characters(), max_size=14))
def test_badness_is_ftfys_answer(text):
    assert is_bad(text) == _ftfy_is_bad(text)


@pytest.mark.parametrize("text", MULTILINGUAL)
def test_badness_is_ftfys_answer_on_real_and_mis_decoded_lines(text):
    assert is_bad(text) == _ftfy_is_bad(text)
    for codec in ("cp1252", "latin-1", "cp1250", "cp1251", "cp1253", "cp1257", "mac_roman"):
        broken = text.encode("utf-8").decode(codec, errors="replace")
        assert is_bad(broken) == _ftfy_is_bad(broken), codec


MIXED_MOJIBAKE = "Title\nSjÃ¶gren-Syndrom â€” cafÃ©\nplain line\nā„ left as it is ā„\n• bullet ≥ 18\nMÃ¼nchen\nā„\n"


def test_one_pass_repairs_and_flags_as_the_two_steps_do():
    """decode_bytes repairs and flags in one pass: the same text and warnings as repairing the
    whole text, then flagging the result (the flags' line numbers are the repaired text's)."""
    repaired, changed = repair_mojibake(MIXED_MOJIBAKE)
    assert changed == 2 and "Sjögren" in repaired and "München" in repaired
    flags = flag_mojibake(repaired)
    assert [f.rsplit(" ", 1)[1] for f in flags] == ["4", "4", "7"]
    decoded = decode_bytes(MIXED_MOJIBAKE.encode("utf-8"))
    assert decoded.text == repaired
    assert decoded.warnings == [f"mojibake_repaired: n={changed}", *flags]


def test_a_repair_that_adds_a_line_break_keeps_the_flags_line_numbers(monkeypatch):
    import ftfy

    real = ftfy.fix_encoding
    monkeypatch.setattr(ftfy, "fix_encoding", lambda line: real(line).replace("—", "\n"))
    repaired, changed = repair_mojibake(MIXED_MOJIBAKE)
    assert repaired.count("\n") == MIXED_MOJIBAKE.count("\n") + 1
    decoded = decode_bytes(MIXED_MOJIBAKE.encode("utf-8"))
    assert decoded.text == repaired
    assert decoded.warnings == [f"mojibake_repaired: n={changed}", *flag_mojibake(repaired)]
    assert [f.rsplit(" ", 1)[1] for f in flag_mojibake(repaired)] == ["5", "5", "8"]
