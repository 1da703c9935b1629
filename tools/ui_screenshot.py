"""Screenshot of the asset graph in the running Dagster UI, taken with headless Chromium.

    make screenshot        # = .venv/bin/python -m tools.ui_screenshot docs/asset-graph.png

Starts `dg dev` as `make dev` does (DAGSTER_HOME = the repo, so the same instance and its
dagster.yaml, whose `nux: enabled: false` keeps the first-start community dialog away), waits
for the server, opens the global asset lineage in Playwright driving Debian's chromium, checks
that no dialog covers it, saves the PNG, and stops the server and every process it started.
With --watch N it then lists the runs the instance launched during N more seconds.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc): recorded BEFORE signalling, so only these are killed."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stop(proc: subprocess.Popen) -> None:
    tree = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    time.sleep(2)
    for pid in tree:  # the code server may outlive `dg dev` for a few seconds
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_server(base: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dg dev exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"no Dagster UI at {base} after {seconds:.0f}s")


def asset_names() -> list[str]:
    from pipelines.definitions import defs

    return sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())


def _shown(page, names: list[str], height: int) -> int:
    """How many asset nodes are drawn inside the viewport (the graph draws only those). A long
    name may be cut in the middle ("trial_in…ventions"): matched by its two ends."""
    cut = [t.split("…", 1) for t in page.get_by_text("…").all_inner_texts() if t.count("…") == 1]
    shown = 0
    for name in names:
        node = page.get_by_text(name, exact=True)
        if not node.count():
            ends = next(((a, b) for a, b in cut if a and name.startswith(a) and name.endswith(b)), None)
            node = page.get_by_text(f"{ends[0]}…{ends[1]}", exact=True) if ends else node
        box = node.last.bounding_box(timeout=2_000) if node.count() else None
        shown += bool(box and 90 < box["y"] and box["y"] + box["height"] < height)
    return shown


def screenshot(base: str, out: Path, width: int = 1000, height: int = 2300) -> None:
    """Global asset lineage with every group expanded, zoomed out until every asset is in view."""
    from playwright.sync_api import sync_playwright

    names = asset_names()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        # twice the pixels: the labels stay legible when the whole graph is zoomed into view
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1.5)
        page.goto(f"{base}/asset-groups", wait_until="networkidle")
        page.get_by_text("Loading...").first.wait_for(state="detached", timeout=30_000)
        dialogs = page.locator("[role=dialog]").count()
        if dialogs:
            raise RuntimeError(f"{dialogs} dialog(s) cover the graph: is `nux: enabled: false` in dagster.yaml?")
        page.get_by_text("Hide navigation").click()
        jump = page.get_by_placeholder("Jump to…").bounding_box()
        page.mouse.click(jump["x"] + jump["width"] + 18, jump["y"] + jump["height"] / 2)  # hide the asset tree
        page.mouse.click(width // 2, height - 200)  # focus the graph for its shortcut
        page.keyboard.press("Alt+e")  # "Expand all groups"
        page.wait_for_timeout(1_500)
        for _ in range(20):
            if _shown(page, names, height) == len(names):
                break
            page.mouse.click(width - 28, height - 148)  # the zoom-out button under the zoom slider
            page.wait_for_timeout(400)
        else:
            raise RuntimeError(f"not every asset fits the view: {_shown(page, names, height)} of {len(names)}")
        page.wait_for_timeout(1_500)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def runs_since(started: float) -> list[str]:
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(limit=50)
        return [f"{r.dagster_run.job_name} {r.dagster_run.tags.get('dagster/partition', '')} {r.dagster_run.status.value}"
                for r in records if r.create_timestamp.timestamp() >= started]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=REPO / "docs" / "asset-graph.png")
    parser.add_argument("--watch", type=float, default=0, help="seconds to keep the UI up and list the runs it launched")
    args = parser.parse_args(argv)
    env = {**os.environ, "DAGSTER_HOME": str(REPO), "DAGSTER_DISABLE_TELEMETRY": "1", "VIRTUAL_ENV": str(REPO / ".venv")}
    os.environ["DAGSTER_HOME"] = str(REPO)
    port, started = free_port(), time.time()
    base = f"http://127.0.0.1:{port}"
    log = open(REPO / ".dagster" / "ui_screenshot.log", "w")  # noqa: SIM115 (closed after stop)
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "dg"), "dev", "--port", str(port), "--host", "127.0.0.1"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_server(base, proc)
        screenshot(base, args.out)
        print(f"wrote {args.out}")
        if args.watch:
            time.sleep(args.watch)
            print("runs launched while the UI was up:", *runs_since(started) or ["none"], sep="\n  ")
    finally:
        stop(proc)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
