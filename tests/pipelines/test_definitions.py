"""The code location loads, and its graph has the shape the design asks for."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import build_defs, defs
from pipelines.defs.resources import TrialbridgeConfig

REPO = Path(__file__).resolve().parents[2]


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_graph_shape():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    parsed = {f"parsed_{s}" for s in ("veeva", "medpath", "ctgov_text", "ctgov_json", "ctgov_xml", "euctr", "ctis", "ictrp")}
    assert {"raw_batch_intake", "trials", "source_records", "quarantine"} | parsed <= keys
    for key in parsed:
        node = graph.get(dg.AssetKey(key))
        assert node.partitions_def == dg.DynamicPartitionsDefinition(name="raw_batches")
        assert {p.to_user_string() for p in node.parent_keys} == {"raw_batch_intake"}
        # runs come from sensors launching named jobs, not from declarative automation (__ASSET_JOB)
        assert node.automation_condition is None
    trials = graph.get(dg.AssetKey("trials"))
    assert trials.partitions_def is None
    assert {p.to_user_string() for p in trials.parent_keys} == parsed
    report = graph.get(dg.AssetKey("quality_report"))
    assert {"trials", "source_records", "trial_arms"} <= {p.to_user_string() for p in report.parent_keys}
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("trials", "trial_id_unique") in checks
    assert ("source_records", "raw_files_accounted_for") in checks
    assert ("trials", "vocabulary_values") in checks


def test_descriptions_keep_angle_brackets_in_code_spans():
    """The UI renders descriptions as Markdown, where a bare <warehouse> is an HTML tag and vanishes."""
    import re

    graph = defs.resolve_asset_graph()
    texts = {k.to_user_string(): graph.get(k).description for k in graph.get_all_asset_keys()}
    texts |= {f"job {j.name}": j.description for j in defs.resolve_all_job_defs()}
    texts |= {f"sensor {s.name}": s.description for s in defs.sensors}
    bare = {name: text for name, text in texts.items() if "<" in re.sub(r"`[^`]*`", "", text or "")}
    assert not bare, bare
    assert "`<warehouse>/_staging/<batch>/`" in texts["raw_batch_intake"]


def test_sensor_runs_by_default():
    sensor = defs.resolve_sensor_def("raw_batches_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_config_defaults_follow_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALBRIDGE_RAW", str(tmp_path / "in"))
    monkeypatch.delenv("TRIALBRIDGE_WAREHOUSE", raising=False)
    config = TrialbridgeConfig.from_env()
    assert config.raw_root == str(tmp_path / "in")
    assert Path(config.warehouse_root) == REPO / "warehouse"
    dg.Definitions.validate_loadable(build_defs(config))


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "dg").exists(), reason="dg CLI not installed")
def test_dg_check_defs(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "DAGSTER_DISABLE_TELEMETRY": "1"}
    # the instance's relative base_dirs resolve against the working directory (the repo): point
    # them into tmp_path, so the check leaves the repo's .dagster alone
    config = (REPO / "dagster.yaml").read_text().replace("base_dir: .dagster/", f"base_dir: {tmp_path}/.dagster/")
    (tmp_path / "dagster.yaml").write_text(config)
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "dg"), "check", "defs"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
