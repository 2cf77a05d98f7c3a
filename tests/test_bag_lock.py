"""One run at a time per bag (issue 12, deliverable 4): a second run on the same output and
collection stops at once naming the first; a lock left by a killed run is taken over."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from packager import pipeline
from packager.bag.lock import BagLock
from packager.errors import EXIT_FAILED, BagError
from packager.pipeline import bagging

from .conftest import COLLECTION, ROOT, run_cli

NAME = "surveillance-china-photo-essay"

HOLD = """
import sys, time
from pathlib import Path
from packager.bag.lock import BagLock
with BagLock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@pytest.fixture
def other_run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Another process holding the lock of the sample's bag in tmp_path/bags, as a running bag would."""
    out = tmp_path / "bags"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out), NAME], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield out, proc.pid
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=30)


def test_a_second_run_stops_at_once_naming_the_first(other_run: tuple[Path, int],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out, pid = other_run

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("the second run analysed the collection")

    monkeypatch.setattr(bagging, "_extract_while_probing", no_analysis)
    with pytest.raises(BagError) as err:
        pipeline.build_bag(COLLECTION, out)
    assert [i.code for i in err.value.issues] == ["E405"]
    message = err.value.message
    assert message.startswith(f"another run is writing {out / NAME}: process {pid} on ")
    assert ", started 20" in message and "wait for it to finish, or choose another --out" in message
    assert sorted(p.name for p in out.iterdir()) == [f".{NAME}.lock"]  # the other run's lock is untouched
    assert json.loads((out / f".{NAME}.lock").read_text(encoding="utf-8"))["pid"] == pid


def test_a_second_run_from_the_command_line_gives_one_json_document(other_run: tuple[Path, int]) -> None:
    out, pid = other_run
    result = run_cli("bag", COLLECTION, "--out", out, "--json")
    assert result.code == EXIT_FAILED and "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert [i["code"] for i in doc["issues"]] == ["E405"]
    assert f"process {pid} on" in doc["error"]["message"]


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "bags"
    out.mkdir()
    dead = {"pid": 999999, "host": "elsewhere", "started": "2026-01-01T00:00:00+00:00"}
    (out / f".{NAME}.lock").write_text(json.dumps(dead), encoding="utf-8")  # nobody holds it any more
    with caplog.at_level(logging.WARNING, logger="packager.bag.lock"):
        run = pipeline.build_bag(COLLECTION, out)
    assert run.ok
    assert "from a run that is no longer running (process 999999 on elsewhere, started 2026-01-01" in caplog.text
    assert sorted(p.name for p in out.iterdir()) == [NAME]  # the lock is gone with the run that took it


def test_runs_on_different_collections_in_one_folder_do_not_meet(tmp_path: Path) -> None:
    with BagLock(tmp_path, "one"), BagLock(tmp_path, "two"):
        assert sorted(p.name for p in tmp_path.iterdir()) == [".one.lock", ".two.lock"]
        with pytest.raises(BagError, match="another run is writing"), BagLock(tmp_path, "one"):
            pass  # pragma: no cover
    assert list(tmp_path.iterdir()) == []


def test_the_lock_is_released_when_the_run_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), BagLock(tmp_path, "one"):
        raise RuntimeError("the run failed")
    with BagLock(tmp_path, "one"):  # free again
        assert json.loads((tmp_path / ".one.lock").read_text(encoding="utf-8"))["pid"] == os.getpid()
