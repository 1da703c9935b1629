"""Round trip of the MedPath layout: every real v2 study rendered as a page (text, CRLF/BOM,
saved HTML, a deleted optional section), parsed back and compared on every field the layout shows."""
from __future__ import annotations

from tests.render.variants import with_long_lists
from tests.roundtrip.harness import largest, round_trip

LAYOUT = "medpath"


def test_every_real_study_reads_back_from_medpath_pages(real_studies, parser_api):
    report = round_trip(LAYOUT, real_studies, *parser_api)
    print(report.summary())
    assert report.ok, report.message()


def test_long_lists_read_back_in_full_from_medpath_pages(real_studies, parser_api):
    # 40 conditions, arms, interventions and locations on top of the largest real studies
    report = round_trip(LAYOUT, [with_long_lists(study) for study in largest(real_studies)], *parser_api)
    assert report.ok, report.message()
