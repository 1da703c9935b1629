"""After a small change the snapshot step reads the staged batches holding the records it needs,
not every batch (pipelines.warehouse.staged_batches), and still writes the bytes of a
from-scratch run."""
from __future__ import annotations

import shutil

import pytest

from pipelines import ingest
from pipelines.staging.rows import staged_schemas
from pipelines.staging.store import staged_file
from pipelines.warehouse import engine
from pipelines.warehouse.duck import connect, register_parquet
from pipelines.warehouse.staged_batches import StagedBatches
from tests.conftest import SHARED_DIR, load_v2_study
from tests.pipelines.test_engine import file_hashes, ingest_all, make_raw


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """(warehouse, batch keys) of the engine tests' corpus, staged and built once."""
    raw, rendered = make_raw(tmp_path_factory.mktemp("staged_batches"))
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    warehouse = raw.parent / "warehouse"
    ingest_all(raw, warehouse)
    return warehouse, sorted(ingest.staged_batches(warehouse))


def _connection(warehouse, keys, tmp_path):
    con = connect(tmp_path / "spill", "256MB", 1)
    for name, schema in staged_schemas().items():
        register_parquet(con, f"s_{name}", [p for k in keys if (p := staged_file(warehouse, k, name)).exists()], schema)
    batches = StagedBatches(warehouse, keys)
    batches.index(con)
    return con, batches


def test_the_records_of_one_batch_are_read_from_that_batch_alone(staged, tmp_path):
    warehouse, keys = staged
    con, batches = _connection(warehouse, keys, tmp_path)
    one = keys[1]
    wanted = f"SELECT record_id FROM read_parquet('{staged_file(warehouse, one, 'source_records')}')"
    relation = batches.relation(con, "records", wanted)
    assert str(staged_file(warehouse, one, "records")) in relation
    assert not any(str(staged_file(warehouse, k, "records")) in relation for k in keys if k != one)
    got = {r for (r,) in con.execute(f"SELECT record_id FROM {relation}").fetchall()}
    assert got == {r for (r,) in con.execute(wanted).fetchall()} and got


def test_records_of_every_batch_read_the_view_and_no_record_reads_nothing(staged, tmp_path):
    warehouse, keys = staged
    con, batches = _connection(warehouse, keys, tmp_path)
    assert batches.relation(con, "records", "SELECT record_id FROM s_source_records") == '"s_records"'
    nothing = batches.relation(con, "eligibility_criteria", "SELECT 'no such record' AS record_id")
    rows = con.sql(f"SELECT * FROM {nothing}").to_arrow_table()
    assert rows.num_rows == 0
    assert rows.schema.names == con.sql("SELECT * FROM s_eligibility_criteria LIMIT 0").to_arrow_table().schema.names


def test_a_new_trial_in_a_new_batch_is_resolved_and_written_from_the_batches_it_needs(tmp_path, monkeypatch):
    """Row groups of a few rows, so that the new trial's row groups (it sorts last) hold few
    others: resolving reads the new batch alone, the rewritten row groups read a strict subset
    of the batches, and the files are those of a from-scratch run."""
    from pipelines.warehouse import parquet_out
    from tests.render.variants import render_page

    monkeypatch.setattr(parquet_out, "ROW_GROUP_ROWS", 16)
    raw, rendered = make_raw(tmp_path)
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    warehouse = tmp_path / "warehouse"
    ingest_all(raw, warehouse)
    study = load_v2_study(min((SHARED_DIR / "real" / "ctgov_v2").glob("*.json")))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09999998"
    study["protocolSection"]["identificationModule"].pop("orgStudyIdInfo", None)  # links to nothing older
    (raw / "late").mkdir()
    for layout in ("veeva", "medpath"):
        (raw / "late" / f"new_trial_{layout}.txt").write_text(render_page(layout, study).text(), encoding="utf-8")

    relations = []
    relation = StagedBatches.relation
    monkeypatch.setattr(StagedBatches, "relation",
                        lambda self, con, table, sql: relations.append((table, relation(self, con, table, sql)))
                        or relations[-1][1])
    monkeypatch.setattr(engine, "SMALL_CHANGE", 1.0)  # the step's small-change path, whatever the share
    _, incremental = ingest_all(raw, warehouse)
    read = list(relations)  # the incremental run's (a from-scratch run reads every batch)
    _, scratch = ingest_all(raw, tmp_path / "scratch", incremental=False)
    assert file_hashes(incremental.snapshot) == file_hashes(scratch.snapshot)

    late = str(staged_file(warehouse, "late", "records"))
    resolved_from = [r for table, r in read if table == "records"]
    assert resolved_from and all(r.startswith("read_parquet") and late in r and r.count(".parquet") == 1
                                 for r in resolved_from)
    keys = ingest.staged_batches(warehouse)
    written_from = [r for table, r in read if table == "eligibility_criteria"]
    assert written_from and all(r.startswith("read_parquet") and r.count(".parquet") < len(keys) for r in written_from)


def test_without_staged_batches_resolving_reads_every_batch(staged, tmp_path):
    """resolve_touched's default (no StagedBatches): the views over every batch, as before."""
    from pipelines.warehouse import resolve_touched as rt

    warehouse, keys = staged
    con, _ = _connection(warehouse, keys, tmp_path)
    con.execute("CREATE TABLE touched_members AS SELECT record_id, 'T' AS trial_id, 0 AS slice FROM s_records LIMIT 3")
    rt._write_member_slices(con, tmp_path / "members", None)
    written = con.execute(f"SELECT count(*) FROM read_parquet('{tmp_path / 'members'}/*/*.parquet')").fetchall()[0][0]
    assert written == 3
    shutil.rmtree(tmp_path / "members")
