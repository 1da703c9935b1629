"""Renderers: one real ClinicalTrials.gov API v2 study -> the page each site would show.

- study.py: read-only view of a v2 study + the display words the sites print;
- page.py: the structured page (named sections of typed lines) every renderer builds;
- veeva.py / medpath.py / ctgov_text.py: one layout each (`render(study) -> Page`);
- html.py: the saved-HTML form of a page; variants.py: CRLF, BOM, HTML, a deleted optional
  section, long lists, chosen deterministically per study (`render_page`, `choose_variant`, `apply`);
- expected.py: the values a parser must read back, computed from the v2 JSON on their own;
- samples.py: the invented trials behind raw/.
Used by tests/roundtrip and bench/.
"""
