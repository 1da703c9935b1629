"""Legacy <clinical_study> XML (parsers.sources.ctgov_xml) and the table of export readers."""
from __future__ import annotations

import pytest

from tests.conftest import shared_path

from parsers import exports
from parsers.intake import process_file
from parsers.sources import ctgov_json_download, ctgov_xml

STUDY = """<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info>
    <org_study_id>ABC-1</org_study_id>
    <secondary_id>EudraCT 2017-002038-21</secondary_id>
    <secondary_id>R01 CA123456</secondary_id>
    <nct_id>NCT01234567</nct_id>
  </id_info>
  <brief_title>A trial</brief_title>
  <sponsors>
    <lead_sponsor><agency>Acme Pharma</agency><agency_class>Industry</agency_class></lead_sponsor>
    <collaborator><agency>National Cancer Institute (NCI)</agency><agency_class>NIH</agency_class></collaborator>
  </sponsors>
  <overall_status>Unknown status</overall_status>
  <last_known_status>Recruiting</last_known_status>
  <start_date>March 2007</start_date>
  <completion_date type="Anticipated">December 2010</completion_date>
  <phase>Phase 2/Phase 3</phase>
  <study_type>Interventional</study_type>
  <study_design_info>
    <allocation>Randomized</allocation>
    <intervention_model>Parallel Assignment</intervention_model>
    <primary_purpose>Treatment</primary_purpose>
    <masking>Double (Participant, Investigator)</masking>
  </study_design_info>
  <enrollment type="Anticipated">40</enrollment>
  <condition>Sjogren's Syndrome</condition>
  <arm_group><arm_group_label>Drug A</arm_group_label><arm_group_type>Experimental</arm_group_type></arm_group>
  <arm_group><arm_group_label>Placebo</arm_group_label><arm_group_type>Placebo Comparator</arm_group_type></arm_group>
  <intervention>
    <intervention_type>Drug</intervention_type><intervention_name>Drug A</intervention_name>
    <description>10 mg once daily</description><arm_group_label>Drug A</arm_group_label>
  </intervention>
  <eligibility>
    <criteria><textblock>
        Inclusion Criteria:

          -  Age 18 or older with a diagnosis that is
             confirmed by biopsy

        Exclusion Criteria:

          -  Pregnancy
    </textblock></criteria>
    <gender>Female</gender>
    <minimum_age>6 Months</minimum_age>
    <maximum_age>N/A</maximum_age>
    <healthy_volunteers>No</healthy_volunteers>
  </eligibility>
  <location><facility><name>Site</name><address><city>Lyon</city><country>France</country></address></facility></location>
  <keyword>dry eye</keyword>
  <last_update_posted type="Actual">May 3, 2019</last_update_posted>
</clinical_study>
"""


def _one(text: str):
    (outcome,) = ctgov_xml.split(text)
    assert outcome.record_key is None and outcome.reason is None, outcome.detail
    return outcome.record


def test_legacy_words_map_to_the_v2_vocabulary():
    record = _one(STUDY)
    assert (record.source, record.status, record.phase, record.study_type) == (
        "ctgov_xml", "UNKNOWN", "PHASE2/PHASE3", "INTERVENTIONAL")
    assert (record.enrollment, record.enrollment_type, record.sex) == (40, "ESTIMATED", "FEMALE")
    assert (record.min_age_years, record.max_age_years, record.healthy_volunteers) == (0.5, None, False)
    assert (record.start_date, record.completion_date, record.last_update_date) == ("2007-03", "2010-12", "2019-05-03")
    assert (record.allocation, record.intervention_model, record.masking, record.primary_purpose) == (
        "RANDOMIZED", "PARALLEL", "DOUBLE", "TREATMENT")
    assert (record.lead_sponsor, record.lead_sponsor_class) == ("Acme Pharma", "INDUSTRY")
    assert [(s.name, s.role, s.agency_class) for s in record.sponsors] == [
        ("Acme Pharma", "lead", "INDUSTRY"), ("National Cancer Institute (NCI)", "collaborator", "NIH")]
    assert record.raw["status"] == "Unknown status" and record.raw["completion_date_type"] == "Anticipated"
    assert record.raw["last_known_status"] == "Recruiting"
    assert not [w for w in record.warnings if w.startswith("unmapped_value")]


def test_identifiers_arms_criteria_and_places():
    record = _one(STUDY)
    assert [(i.value, i.id_type, i.field) for i in record.identifiers] == [
        ("NCT01234567", "NCT", "nct_id"), ("ABC-1", "ORG_STUDY_ID", "org_study_id"),
        ("2017-002038-21", "EUDRACT", "secondary_id"), ("R01CA123456", "GRANT", "secondary_id")]
    assert [(a.label, a.arm_type, a.interventions) for a in record.arms] == [
        ("Drug A", "EXPERIMENTAL", ["Drug A"]), ("Placebo", "PLACEBO_COMPARATOR", [])]
    assert [(i.name, i.intervention_type, i.description) for i in record.interventions] == [
        ("Drug A", "DRUG", "10 mg once daily")]
    assert [(c.kind, c.text) for c in record.criteria] == [
        ("inclusion", "Age 18 or older with a diagnosis that is confirmed by biopsy"), ("exclusion", "Pregnancy")]
    assert [c.normalized for c in record.conditions] and record.keywords == ["dry eye"]
    assert (record.locations[0].city, record.countries) == ("Lyon", ["France"])


def test_entities_are_never_expanded_and_nothing_is_fetched():
    hostile = STUDY.replace('<?xml version="1.0" encoding="UTF-8"?>', (
        '<?xml version="1.0"?>\n<!DOCTYPE clinical_study [\n'
        '  <!ENTITY secret SYSTEM "file:///etc/passwd">\n'
        '  <!ENTITY remote SYSTEM "http://127.0.0.1:9/x">\n]>')).replace("A trial", "A trial &secret;&remote;")
    record = _one(hostile)
    assert "root:" not in (record.title or "") and record.identifiers[0].value == "NCT01234567"


def test_a_billion_laughs_file_does_not_expand():
    laughs = ('<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
              + ']><clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>'
              '<brief_title>&i;</brief_title></clinical_study>')
    (outcome,) = ctgov_xml.split(laughs)
    assert outcome.record is None or len(outcome.record.title or "") < 1000


def test_cut_xml_is_malformed_and_a_wrapper_of_two_studies_gives_two_keyed_records(tmp_path):
    assert [(o.record_key, o.reason) for o in ctgov_xml.split(STUDY[:400])] == [(None, "malformed_xml")]
    body = STUDY.split("?>", 1)[1]
    two = f"<search_results>{body}{body.replace('NCT01234567', 'NCT07654321')}</search_results>"
    assert ctgov_xml.sniff(two)
    assert [(o.record_key, o.record.identifiers[0].value) for o in ctgov_xml.split(two)] == [
        ("NCT01234567", "NCT01234567"), ("NCT07654321", "NCT07654321")]


def test_readers_are_one_list_each_with_the_reader_interface():
    assert exports.READERS[:2] == (ctgov_json_download, ctgov_xml)
    assert [r.SOURCE for r in exports.READERS] == ["ctgov_json", "ctgov_xml", "euctr", "ctis", "ictrp"]
    for reader in exports.READERS:
        assert isinstance(reader.SOURCE, str) and callable(reader.sniff) and callable(reader.split)
    assert exports.reader_for(STUDY) is ctgov_xml
    assert exports.reader_for('{"studies": []}') is ctgov_json_download
    assert exports.reader_for("<html><body>page</body></html>") is None
    # the study's tag is looked for in the first 4 KB, behind a BOM and blank lines, not further
    assert ctgov_xml.sniff("\ufeff\r\n  " + STUDY) and not ctgov_xml.sniff(" " * 5000 + STUDY)
    assert not ctgov_xml.sniff("x" + STUDY)


EU_AND_WHO_EXPORTS = {
    "euctr/miracle_takehome__trials-summary.txt": ("euctr", 100),
    "euctr/ctrdata__test_error_trials_euctr.txt": ("euctr", 2),
    "euctr/ctis/mswarriors__CTIS_trials_20250924.csv": ("ctis", 104),
    "ictrp/ebmdatalab__COVID19-927-trials_7Apr2020.csv": ("ictrp", 927),
    "ictrp/ebmdatalab__COVID19-1135-trials.csv": ("ictrp", 1135),
}


@pytest.mark.parametrize("relative", sorted(EU_AND_WHO_EXPORTS))
def test_eu_and_who_exports_are_split_by_intake_with_nothing_quarantined(relative):
    root = shared_path("real")
    outcome = process_file(root / relative, root)
    source, count = EU_AND_WHO_EXPORTS[relative]
    assert outcome.reason is None and outcome.source == source
    assert len(outcome.records) == count
    assert all(o.record is not None and o.record_key for o in outcome.records)
