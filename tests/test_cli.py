"""The command line contract: exit codes, stdout/stderr, the extract JSON, interruption, what each
command imports, and the options handed to the library."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

from packager import pipeline
from packager.cli import main
from packager.embed import batch
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError
from packager.pipeline import staging

from .conftest import COLLECTION, ROOT, run_cli, tree_digest

ITEM_KEYS = {"identifier", "file", "description", "headline", "title", "truncated", "digital_source_type",
             "keywords", "locations", "organisations", "persons_shown", "issues"}
LOCATION_KEYS = {"sublocation", "city", "province_state", "country", "country_code", "identifiers"}


def test_extract_json_follows_the_contract_and_writes_nothing(tmp_path: Path) -> None:
    collection = tmp_path / "c"
    shutil.copytree(COLLECTION, collection)
    before = tree_digest(collection)
    result = run_cli("extract", collection, "--json")
    assert result.code == EXIT_OK, result.stdout
    doc = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert tree_digest(collection) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    items = doc["items"]
    assert len(items) == 25
    for item in items:
        assert set(item) >= ITEM_KEYS
        assert isinstance(item["truncated"], bool)
        assert item["digital_source_type"].startswith("http://cv.iptc.org/newscodes/digitalsourcetype/")
        for loc in item["locations"]:
            assert set(loc) >= LOCATION_KEYS
        for issue in item["issues"]:
            assert {"code", "severity", "message"} <= set(issue)
    assert sum(item["truncated"] for item in items) == 14
    assert items[0]["file"] == "Surv - 001.jpg"
    dropped = [i for i in doc["issues"] if i["code"] == "W101"]
    assert [i["line"] for i in dropped] == [26, 27]
    assert doc["summary"]["dropped_lines"] == 2


def test_extract_text_goes_to_stdout_and_ends_with_a_summary() -> None:
    result = run_cli("extract", COLLECTION)
    assert result.code == EXIT_OK
    assert result.stdout.rstrip().splitlines()[-1].startswith("25 items, 2 page leftovers dropped")
    assert "surv-001" in result.stdout


@pytest.mark.parametrize("args", [["frobnicate"], ["extract"], ["bag", "collection", "--colour", "red"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.code == EXIT_USAGE
    assert result.stdout == ""
    assert "Usage" in result.stderr or "Error" in result.stderr


def test_usage_error_with_json_is_still_one_document() -> None:
    result = run_cli("validate", "--json")
    assert result.code == EXIT_USAGE
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["error"]["exit_code"] == EXIT_USAGE


def test_missing_collection_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_cli("extract", tmp_path, "--json")
    assert result.code == EXIT_ENVIRONMENT
    doc = json.loads(result.stdout)
    assert doc["issues"][0]["code"] == "E001"
    assert "collection.toml" in doc["error"]["message"]


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    shutil.copytree(COLLECTION, tmp_path / "c")
    toml = tmp_path / "c" / "collection.toml"
    good = toml.read_text(encoding="utf-8")
    toml.write_text(good.replace('pattern = "Surv - {n:03d}.jpg"', 'pattern = "Surv.jpg"'), encoding="utf-8")
    result = run_cli("bag", tmp_path / "c", "--out", tmp_path / "bags")
    assert result.code == EXIT_ENVIRONMENT
    assert "pattern must contain {n}" in result.stderr
    toml.write_text(good.replace("[source]", "[source]\npattern2 = 1\n", 1), encoding="utf-8")  # was ignored
    result = run_cli("bag", tmp_path / "c", "--out", tmp_path / "bags", "--json")
    assert result.code == EXIT_ENVIRONMENT
    assert "[source] has an unknown key 'pattern2' (did you mean pattern?)" in json.loads(result.stdout)["error"]["message"]
    assert not (tmp_path / "bags").exists()


def test_validate_on_a_folder_that_is_not_a_bag(tmp_path: Path) -> None:
    result = run_cli("validate", tmp_path, "--json")
    assert result.code == EXIT_FAILED
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert any("bagit.txt" in p["message"] for p in doc["problems"])


def test_missing_image_stops_before_writing_and_names_both_sides(tmp_path: Path) -> None:
    collection = tmp_path / "c"
    shutil.copytree(COLLECTION, collection)
    (collection / "images" / "Surv - 013.jpg").unlink()
    result = run_cli("bag", collection, "--out", tmp_path / "bags", "--json")
    assert result.code == EXIT_FAILED
    doc = json.loads(result.stdout)
    assert doc["bag"] is None
    e104 = [i for i in doc["issues"] if i["code"] == "E104"]
    assert len(e104) == 1 and "Surv - 013.jpg" in e104[0]["message"] and "13" in e104[0]["message"]
    assert not (tmp_path / "bags").exists()  # nothing written at all


def test_interrupted_run_leaves_no_bag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = batch.embed_batch

    def interrupt_on_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "embed_batch", interrupt_on_third)
    out = tmp_path / "bags"
    with pytest.raises(KeyboardInterrupt):
        pipeline.build_bag(COLLECTION, out, workers=2)  # 25 items in 7 batches of 4
    assert 3 <= calls["n"] < 7  # queued batches were cancelled, not embedded
    assert not out.exists()  # neither a bag nor a .partial, nor the folder made for them


def test_replace_swaps_only_when_the_new_bag_is_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.ok and first.bag is not None
    marker = first.bag / "bag-info.txt"
    old_info = marker.read_bytes()

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(staging.BagWriter, "seal", boom)  # fails once every file is staged, before the rename
    with pytest.raises(RuntimeError):
        pipeline.build_bag(COLLECTION, out, replace_existing=True)
    assert [p.name for p in out.iterdir()] == [first.bag.name]
    assert marker.read_bytes() == old_info  # the old bag is back, untouched
    result = run_cli("bag", COLLECTION, "--out", out)
    assert result.code == EXIT_FAILED and "E401" in result.stdout + result.stderr


def test_replace_keeps_the_old_bag_when_the_new_one_does_not_validate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.ok and first.bag is not None
    old_info = (first.bag / "bag-info.txt").read_bytes()
    real = staging.validate

    def reject(*args, **kwargs):  # type: ignore[no-untyped-def]
        report = real(*args, **kwargs)
        from dataclasses import replace as swap

        from packager import issues
        return swap(report, problems=(issues.make("E501", problem="pretend the new bag is broken"),))

    monkeypatch.setattr(staging, "validate", reject)
    run = pipeline.build_bag(COLLECTION, out, replace_existing=True)
    assert not run.ok and run.bag == out / f".{first.bag.name}.rejected"
    assert (first.bag / "bag-info.txt").read_bytes() == old_info  # the valid old bag is back in place
    assert sorted(p.name for p in out.iterdir()) == [f".{first.bag.name}.rejected", first.bag.name]


def test_a_bag_left_aside_by_a_killed_replace_is_restored(tmp_path: Path) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.bag is not None
    first.bag.rename(out / f".{first.bag.name}.previous")  # as if killed mid-swap
    result = run_cli("bag", COLLECTION, "--out", out)
    assert result.code == EXIT_FAILED and "E401" in result.stderr  # the old bag is back, so no silent overwrite
    assert sorted(p.name for p in out.iterdir()) == [first.bag.name]


# Start-up: a command imports only what it uses.

#: Stages the receiving side and the help never need.
WRITING_SIDE = ("packager.pipeline", "packager.analysis", "packager.review", "packager.collection",
                "packager.embed", "packager.bag")
#: Loaded only when a progress bar is drawn or a cluster is used.
OPTIONAL = ("tqdm", "dask", "distributed")

MODULES_AFTER = """
import json, os, sys
from packager.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
with open(os.environ["PACKAGER_MODULES_OUT"], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def modules_after(tmp_path: Path, *args: str | Path) -> tuple[int, set[str], str]:
    """Run the CLI in a fresh interpreter (stderr a pipe); its exit code, every module loaded, its stdout."""
    record = tmp_path / "modules.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PACKAGER_MODULES_OUT=str(record))
    proc = subprocess.run([sys.executable, "-c", MODULES_AFTER, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(record.read_text(encoding="utf-8"))
    return doc["code"], set(doc["modules"]), proc.stdout


def loaded_from(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages))


def test_validate_imports_nothing_of_the_writing_side(sample_bag: Path, tmp_path: Path) -> None:
    code, modules, stdout = modules_after(tmp_path, "validate", sample_bag, "--json")
    assert code == EXIT_OK and json.loads(stdout)["valid"] is True
    assert {"packager.validate.validator", "packager.validate.metacheck"} <= modules  # it did run
    assert loaded_from(modules, WRITING_SIDE + OPTIONAL) == []


def test_help_imports_no_stage(tmp_path: Path) -> None:
    code, modules, stdout = modules_after(tmp_path, "--help")
    assert code == EXIT_OK and "validate" in stdout and "bag" in stdout
    assert loaded_from(modules, WRITING_SIDE + OPTIONAL + ("packager.validate", "packager.metadata")) == []


# Options: what the CLI hands to the library, and usage errors.


def call_cli(*args: str | Path) -> int | str | None:
    """Run the CLI in this process (for a library function replaced by a fake); its exit code."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    return stop.value.code


def stopping_fake(seen: dict[str, object], error: BaseException | None = None) -> Callable[..., NoReturn]:
    """A library function that records its arguments, then raises ``error`` (a ConfigError by default)."""
    def fake(*args: object, **kwargs: object) -> NoReturn:
        seen.update(kwargs, args=args)
        raise error or ConfigError("stopped by the test")

    return fake


def test_bag_hands_bagging_date_and_scheduler_to_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(pipeline, "build_bag", stopping_fake(seen))
    assert call_cli("bag", COLLECTION, "--out", tmp_path, "--bagging-date", "2024-02-29",
                    "--scheduler", "tcp://10.0.0.5:8786") == EXIT_ENVIRONMENT
    assert type(seen["bagging_date"]) is datetime.date and seen["bagging_date"] == datetime.date(2024, 2, 29)
    assert seen["scheduler"] == "tcp://10.0.0.5:8786"
    assert "stopped by the test" in capsys.readouterr().err

    seen.clear()
    assert call_cli("bag", COLLECTION, "--out", tmp_path) == EXIT_ENVIRONMENT
    assert seen["bagging_date"] is None and seen["scheduler"] is None  # the pipeline picks the defaults


def test_an_interruption_is_a_sentence_and_exit_130(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setattr(pipeline, "build_bag", stopping_fake({}, KeyboardInterrupt()))
    assert call_cli("bag", COLLECTION, "--out", tmp_path, "--json") == 130
    captured = capsys.readouterr()
    assert captured.out == "" and "interrupted" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_bug_is_said_as_one_without_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, as_json: bool) -> None:
    monkeypatch.setattr(pipeline, "build_bag", stopping_fake({}, TypeError("an unexpected argument")))
    assert call_cli("bag", COLLECTION, "--out", tmp_path, *(["--json"] if as_json else [])) == EXIT_FAILED
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    said = json.loads(captured.out)["error"]["message"] if as_json else captured.err
    assert "internal error (TypeError: an unexpected argument)" in said and "This is a bug" in said
    assert "packager -vv bag" in said


def test_bag_hands_skip_failed_to_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(pipeline, "build_bag", stopping_fake(seen))
    call_cli("bag", COLLECTION, "--out", tmp_path, "--skip-failed")
    assert seen["skip_failed"] is True
    call_cli("bag", COLLECTION, "--out", tmp_path)
    assert seen["skip_failed"] is False


@pytest.mark.parametrize("value", ["2024-13-01", "03/02/2001", "yesterday"])
def test_a_malformed_bagging_date_is_a_usage_error(value: str) -> None:
    result = run_cli("bag", COLLECTION, "--bagging-date", value, "--json")
    assert result.code == EXIT_USAGE
    doc = json.loads(result.stdout)  # one JSON document, as for every usage error
    assert doc["command"] == "bag" and doc["error"]["exit_code"] == EXIT_USAGE
    assert "--bagging-date" in doc["error"]["message"]
    text = run_cli("bag", COLLECTION, "--bagging-date", value)
    assert text.code == EXIT_USAGE and text.stdout == "" and "--bagging-date" in text.stderr


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://10.0.0.5", "tcp://:8786", "tcp://host:port"])
def test_a_malformed_scheduler_address_is_a_usage_error(address: str) -> None:
    result = run_cli("-q", "bag", COLLECTION, "--scheduler", address, "--json")
    assert result.code == EXIT_USAGE
    doc = json.loads(result.stdout)
    assert doc["command"] == "bag" and "tcp://HOST:PORT" in doc["error"]["message"]


@pytest.mark.parametrize("args, workers", [([], None), (["--workers", "3"], 3), (["--processes", "2"], 2),
                                           (["--workers", "2", "--processes", "2"], 2)])
def test_validate_workers_and_the_old_processes_name(args: list[str], workers: int | None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from packager.validate import validator

    seen: dict[str, object] = {}
    monkeypatch.setattr(validator, "validate", stopping_fake(seen))
    assert call_cli("validate", COLLECTION, *args) == EXIT_ENVIRONMENT
    assert seen["workers"] == workers and "processes" not in seen  # None: the validator uses every CPU


def test_validate_help_names_workers_and_hides_the_old_name() -> None:
    result = run_cli("validate", "--help")
    assert result.code == EXIT_OK
    assert "--workers N" in result.stdout and "--processes" not in result.stdout
    conflict = run_cli("validate", COLLECTION, "--workers", "2", "--processes", "3")
    assert conflict.code == EXIT_USAGE and "--workers" in conflict.stderr


def test_bag_help_says_what_the_new_options_do() -> None:
    text = " ".join(run_cli("bag", "--help").stdout.split())
    assert "--bagging-date YYYY-MM-DD" in text and "SOURCE_DATE_EPOCH" in text
    assert "--scheduler tcp://HOST:PORT" in text and "Dask" in text



class _Mallopt:
    """Stands in for glibc's mallopt: records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.argtypes: object = None

    def __call__(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


def test_the_cli_keeps_glibc_to_two_malloc_arenas_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes
    import importlib
    import types

    cli_main = importlib.import_module("packager.cli.main")  # the module: packager.cli.main is also the function

    mallopt = _Mallopt()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: types.SimpleNamespace(mallopt=mallopt))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    cli_main.fewer_malloc_arenas()
    assert mallopt.calls == [(-8, 2)]  # M_ARENA_MAX in glibc's malloc.h
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    cli_main.fewer_malloc_arenas()
    assert mallopt.calls == [(-8, 2)]  # the user's own setting wins
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: types.SimpleNamespace())  # a C library without mallopt
    cli_main.fewer_malloc_arenas()
    assert mallopt.calls == [(-8, 2)]


def test_glibc_accepts_the_arena_setting() -> None:
    import ctypes

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert ctypes.CDLL(None).mallopt(-8, 2) == 1  # glibc returns 1 on success


# Terminal output: names and text from a collection or a bag are shown, never acted on.


def test_text_output_writes_out_what_a_terminal_would_act_on(sample_bag: Path) -> None:
    hostile = "evil\x1b]0;owned\x07\x1b[2J\u202egpj.exe"  # retitle the window, clear the screen, reverse the rest
    (sample_bag / "data" / "objects" / hostile).write_bytes(b"not in any manifest")
    result = run_cli("validate", sample_bag, "--no-metadata")
    assert result.code == EXIT_FAILED
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x07" not in result.stdout
    assert "evil\\x1b]0;owned\\x07\\x1b[2J\\u202egpj.exe" in result.stdout
    as_json = run_cli("validate", sample_bag, "--no-metadata", "--json")
    assert any(hostile in p["message"] for p in json.loads(as_json.stdout)["problems"])  # JSON keeps the name


def test_terminal_safe_keeps_text_and_line_breaks() -> None:
    from packager.cli.render import terminal_safe

    assert terminal_safe("Ürümqi 乌鲁木齐 مرحبا\n\tnext") == "Ürümqi 乌鲁木齐 مرحبا\n\tnext"
    assert terminal_safe("a\rb\x00c\x85d\x7f\u2066e") == "a\\x0db\\x00c\\x85d\\x7f\\u2066e"


def test_log_lines_are_terminal_safe() -> None:
    from packager.cli.progress import Progress, log_handler

    handler = log_handler(Progress(enabled=False))
    record = logging.LogRecord("packager", logging.WARNING, __file__, 1, "restoring %s", ("x\x1b[31m",), None)
    assert handler.format(record) == "WARNING restoring x\\x1b[31m"


# An interrupt says what it left: no bag, or a bag that was fully checked.


def test_an_interrupt_during_the_check_says_no_bag_was_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(*args: object, **kwargs: object) -> NoReturn:
        raise KeyboardInterrupt

    monkeypatch.setattr(staging, "validate", interrupt)
    assert call_cli("-q", "bag", COLLECTION, "--out", tmp_path / "out") == 130
    said = capsys.readouterr().err
    assert "interrupted before the bag was checked: no bag was left" in said
    assert not (tmp_path / "out").exists()


def test_an_interrupt_after_the_bag_took_its_name_says_it_is_complete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from packager.cli import render

    def interrupt(*args: object, **kwargs: object) -> NoReturn:
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "bag_document", interrupt)  # Ctrl-C while the report is written
    assert call_cli("-q", "bag", COLLECTION, "--out", tmp_path / "out", "--json") == 130
    bag = tmp_path / "out" / "surveillance-china-photo-essay"
    said = capsys.readouterr().err
    assert f"interrupted after the bag {bag} was checked (valid) and took its name" in said
    assert run_cli("validate", bag).code == EXIT_OK


def test_an_interrupt_while_the_old_bag_is_removed_names_the_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.ok and first.bag is not None
    real = shutil.rmtree

    def interrupt_on_the_old_bag(path: Any, *args: Any, **kwargs: Any) -> None:
        if str(path).endswith(".previous"):
            raise KeyboardInterrupt
        real(path, *args, **kwargs)

    monkeypatch.setattr(staging.shutil, "rmtree", interrupt_on_the_old_bag)
    assert call_cli("-q", "bag", COLLECTION, "--out", out, "--replace") == 130
    assert f"interrupted after the bag {first.bag} was checked (valid)" in capsys.readouterr().err


def test_once_the_result_is_out_ctrl_c_no_longer_changes_the_exit_code(monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Measured by hand: Ctrl-C while the process shut down after printing a valid bag's report gave
    exit 130 and no message. The command line (argv None, not a test calling in) ignores it by then."""
    import signal

    before = signal.getsignal(signal.SIGINT)
    try:
        monkeypatch.setattr(sys, "argv", ["packager", "--version"])
        with contextlib.suppress(SystemExit):
            main()
        assert "packager" in capsys.readouterr().out
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        signal.signal(signal.SIGINT, before)
        with contextlib.suppress(SystemExit):
            main(["--version"])  # called in, as the tests do: left as it was
        assert signal.getsignal(signal.SIGINT) is before
    finally:
        signal.signal(signal.SIGINT, before)
