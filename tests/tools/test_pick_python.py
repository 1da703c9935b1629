"""tools/pick_python.py: the interpreter `make` builds .venv with."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from tools import pick_python


def test_fastest_keeps_the_first_unless_a_later_one_is_clearly_faster():
    assert pick_python.fastest({"/a": 1.00, "/b": 0.97}) == "/a"  # within the margin: PATH order
    assert pick_python.fastest({"/a": 1.00, "/b": 0.80}) == "/b"
    assert pick_python.fastest({"/a": 1.00, "/b": 0.80, "/c": 0.78}) == "/b"
    assert pick_python.fastest({"/a": 1.00, "/b": 0.80, "/c": 0.70}) == "/c"


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_candidates_are_every_python311_on_path_in_order(tmp_path, monkeypatch):
    first = _executable(tmp_path / "one" / "python3.11", "#!/bin/sh\n")
    second = _executable(tmp_path / "two" / "python3.11", "#!/bin/sh\n")
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / "python3.11").write_text("not executable")
    monkeypatch.setenv("PATH", os.pathsep.join(str(tmp_path / d) for d in ("one", "three", "two", "one")))
    found = [p for p in pick_python.candidates() if p.startswith(str(tmp_path))]
    assert found == [str(first), str(second)]


def test_an_interpreter_that_fails_the_probe_is_skipped(tmp_path):
    assert pick_python.probe(str(_executable(tmp_path / "wrong", "#!/bin/sh\nexit 1\n"))) is None
    assert pick_python.probe(str(_executable(tmp_path / "noise", "#!/bin/sh\necho hello\n"))) is None
    assert pick_python.probe(str(tmp_path / "missing")) is None


def test_the_probe_accepts_this_interpreter_and_names_its_executable():
    executable, seconds = pick_python.probe(sys.executable)
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert 0 < seconds < 5


def test_main_prints_one_real_interpreter_for_a_shim_and_its_target(tmp_path, monkeypatch, capsys):
    shim = _executable(tmp_path / "shims" / "python3.11", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    link = tmp_path / "bin" / "python3.11"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    monkeypatch.setenv("PATH", os.pathsep.join([str(shim.parent), str(link.parent)]))
    monkeypatch.setattr(pick_python, "candidates", lambda: [str(shim), str(link)])
    probed = []
    real_probe = pick_python.probe
    monkeypatch.setattr(pick_python, "probe", lambda path: probed.append(path) or real_probe(path))
    assert pick_python.main() == 0
    assert capsys.readouterr().out.strip() == os.path.realpath(sys.executable)
    assert probed == [str(shim), str(link)]  # one interpreter: no further turns


def test_the_interpreters_take_turns_and_each_keeps_its_best(monkeypatch, capsys):
    """A noisy first turn does not decide: A is slow once, then the faster of the two."""
    turns = {"/a": [1.00, 0.80, 0.80], "/b": [0.85, 0.85, 0.85]}
    probed = []

    def scripted(path):
        probed.append(path)
        return path, turns[path][sum(p == path for p in probed) - 1]

    monkeypatch.setattr(pick_python, "candidates", lambda: ["/a", "/b"])
    monkeypatch.setattr(pick_python, "probe", scripted)
    monkeypatch.setattr(pick_python.os.path, "realpath", lambda path: path)
    assert pick_python.main() == 0
    assert capsys.readouterr().out.strip() == "/a"  # its best turn, 0.80, against 0.85
    assert probed == ["/a", "/b"] * pick_python.ROUNDS
