"""Shared fixtures. Tests that need ../shared skip without it, unless TRIALBRIDGE_REQUIRE_SHARED=1 (CI)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("TRIALBRIDGE_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(autouse=True)
def _no_shared_dagster_home(monkeypatch):
    """No test uses the repo's Dagster instance (`make test` exports DAGSTER_HOME as the repo root):
    two test processes creating its SQLite storage at once failed one of them (UNIQUE constraint on
    alembic_version, seen in a fresh clone). A test that wants a persistent instance sets its own."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def shared_path(*parts: str) -> Path:
    """Path under ../shared; skips the test (or fails it in CI) when it is missing."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent: tests that read ../shared need it beside the repo"
        if os.environ.get("TRIALBRIDGE_REQUIRE_SHARED") == "1":
            pytest.fail(reason + " (TRIALBRIDGE_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return shared_path("seeds")


@pytest.fixture(scope="session")
def golden() -> dict:
    return json.loads(shared_path("golden", "seeds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ctgov_v2_dir() -> Path:
    return shared_path("real", "ctgov_v2")


def load_v2_study(path: Path) -> dict:
    """One ClinicalTrials.gov v2 study from a file (plain study or a {"studies": [...]} wrapper)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["studies"][0] if "studies" in data else data


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright. Skips with the reason when either
    is absent, unless REQUIRE_BROWSER=1 (CI: .ci/run installs both), where it fails instead."""
    import shutil

    def missing(reason: str):
        (pytest.fail if os.environ.get("REQUIRE_BROWSER") == "1" else pytest.skip)(reason)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed: pip install -e '.[dev]'")
    exe = next((c for c in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"))
                if c and os.access(c, os.X_OK)), None)
    if exe is None:
        missing("no chromium: apt-get install -y chromium fonts-liberation (or set CHROMIUM_PATH)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=exe)  # never `playwright install`: Debian's build
        yield launched
        launched.close()
