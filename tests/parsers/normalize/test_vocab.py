from __future__ import annotations

from parsers.normalize import vocab


def test_sets_match_their_ordered_tuples():
    pairs = [
        (vocab.STATUSES, vocab.STATUS_ORDER), (vocab.STUDY_TYPES, vocab.STUDY_TYPE_ORDER),
        (vocab.SEXES, vocab.SEX_ORDER), (vocab.ALLOCATIONS, vocab.ALLOCATION_ORDER),
        (vocab.MASKINGS, vocab.MASKING_ORDER), (vocab.ARM_TYPES, vocab.ARM_TYPE_ORDER),
        (vocab.INTERVENTION_TYPES, vocab.INTERVENTION_TYPE_ORDER), (vocab.AGENCY_CLASSES, vocab.AGENCY_CLASS_ORDER),
        (vocab.PRIMARY_PURPOSES, vocab.PRIMARY_PURPOSE_ORDER),
    ]
    for as_set, ordered in pairs:
        assert as_set == frozenset(ordered)
        assert len(ordered) == len(as_set)


def test_phase_order_is_ascending_and_na_is_standalone():
    assert vocab.PHASE_ORDER == ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4")
    assert "NA" in vocab.PHASES and "NA" not in vocab.PHASE_ORDER
    assert len(vocab.STATUSES) == 14


def test_is_phase_label():
    assert vocab.is_phase_label("PHASE1/PHASE2")
    assert vocab.is_phase_label("NA")
    assert vocab.is_phase_label("EARLY_PHASE1")
    assert not vocab.is_phase_label("PHASE2/PHASE1")
    assert not vocab.is_phase_label("NA/PHASE1")
    assert not vocab.is_phase_label("PHASE1/PHASE1")
    assert not vocab.is_phase_label("Phase 1")
