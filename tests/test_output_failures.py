"""Output-side failures said as such (issue 12, deliverable 5): an --out that names a file, a
folder this user may not write in, a disk that fills up while copying. One error naming the
output and the cause (E402), exit 1, one JSON document with --json, no traceback, nothing left
that looks like a bag, and the originals untouched."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from packager import pipeline
from packager.bag import writer
from packager.embed import batch
from packager.errors import EXIT_FAILED, BagError
from packager.pipeline import bagging

from .conftest import COLLECTION, run_cli, tree_digest


def test_out_naming_a_file_is_refused_before_the_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    out.write_text("not a folder", encoding="utf-8")

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("the collection was analysed before the output was checked")

    monkeypatch.setattr(bagging, "_extract_while_probing", no_analysis)
    with pytest.raises(BagError) as err:
        pipeline.build_bag(COLLECTION, out)
    assert err.value.message == f"cannot write bags into {out}: it is a file, not a folder; give --out a folder"
    assert [(i.code, i.path) for i in err.value.issues] == [("E402", str(out))]
    with pytest.raises(BagError, match=f"cannot make {out / 'sub'}: {out} is a file, not a folder"):
        pipeline.build_bag(COLLECTION, out / "sub")
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_out_naming_a_file_gives_one_json_document_and_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "bags"
    out.write_text("", encoding="utf-8")
    result = run_cli("bag", COLLECTION, "--out", out, "--json")
    assert result.code == EXIT_FAILED
    doc = json.loads(result.stdout)  # one document
    assert doc["ok"] is False and doc["error"]["exit_code"] == EXIT_FAILED
    assert "it is a file, not a folder" in doc["error"]["message"]
    assert [i["code"] for i in doc["issues"]] == ["E402"]
    assert "Traceback" not in result.stderr
    result = run_cli("bag", COLLECTION, "--out", out)
    assert result.code == EXIT_FAILED and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"packager bag: E402 cannot write bags into {out}: it is a file, not a folder; "
                                      "give --out a folder")


def test_a_folder_without_write_permission_is_refused_before_any_work(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # the tests may run as root, for whom every folder is writable: os.access stands in for the file system
    monkeypatch.setattr(writer.os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(BagError) as err:
        writer.check_out_dir(tmp_path / "new" / "bags")
    assert err.value.message == (f"cannot write in {tmp_path}: permission denied; give --out a folder you may "
                                 "write to")
    (tmp_path / "mine").mkdir()
    writer.check_out_dir(tmp_path / "mine" / "bags")  # a folder that may be written in: accepted
    writer.check_out_dir(tmp_path / "mine")


def test_a_full_disk_is_one_error_naming_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_digest(COLLECTION)
    copies = []

    def full(original: object, staged: object, *args: object, **kwargs: object) -> None:
        copies.append(staged)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch, "copy_with_digests", full)
    out = tmp_path / "bags"
    with pytest.raises(BagError) as err:
        pipeline.build_bag(COLLECTION, out, workers=2)
    assert err.value.message.startswith("could not write ")
    assert err.value.message.endswith(f".jpg: No space left on device; no bag was made in {out}: free space or "
                                      "choose another --out, then run again")
    assert [i.code for i in err.value.issues] == ["E402"]  # one error, not one per image
    assert "cannot read image" not in err.value.message
    assert not out.exists()  # the staging folder is gone, no bag was made, and the folder made for it too
    assert tree_digest(COLLECTION) == before
    assert copies  # the copy was tried


def test_a_failed_read_of_an_original_is_still_the_originals_problem(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(original: object, staged: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(original))

    monkeypatch.setattr(batch, "copy_with_digests", unreadable)
    run = pipeline.build_bag(COLLECTION, tmp_path / "bags", workers=1)
    assert run.bag is None and not run.ok
    codes = {i.code for item in run.items for i in item.issues if i.severity == "error"}
    assert codes == {"E306"}  # cannot read image <original>, item by item
