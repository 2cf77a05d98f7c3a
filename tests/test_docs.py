"""The README tells the truth: commands, options, exit codes, issue codes, version."""

from __future__ import annotations

import ast
import json
import os
import re
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from PIL import Image

import packager
from packager import errors, issues
from packager.cli.main import cli
from packager.issues import receiving
from packager.model import ERROR, INFO, WARNING

from .conftest import ROOT, run_cli

README = ROOT / "README.md"
SEVERITY_LETTER = {ERROR: "E", WARNING: "W", INFO: "I"}
HELP_ONLY = {"-h", "--help"}  # every command has them; the README need not say so
# "| `packager bag COLLECTION [--out DIR] ...` | what it does |"
USAGE_ROW = re.compile(r"^\|\s*`packager (?P<command>[a-z][a-z-]*)(?P<rest>[^`]*)`\s*\|", re.MULTILINE)
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def _section(text: str, heading: str) -> str:
    """From a ``## heading`` line to the next heading of the same level."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def _code_spans(text: str) -> list[str]:
    """Inline code in Markdown, except Python's own command lines (``python -m packager``)."""
    return [span for span in re.findall(r"`([^`\n]+)`", text) if not span.startswith("python ")]


@pytest.fixture(scope="module")
def cli_section() -> str:
    return _section(README.read_text(encoding="utf-8"), "The command line")


@pytest.fixture(scope="module")
def usage_rows(cli_section: str) -> dict[str, str]:
    rows = {m["command"]: m["rest"] for m in USAGE_ROW.finditer(cli_section)}
    assert rows, "no `packager COMMAND ...` rows in the README's command table"
    return rows


def _help(*command: str) -> str:
    result = run_cli(*command, "--help")
    assert result.code == 0, result.stderr
    return result.stdout


def _help_options(text: str) -> list[set[str]]:
    """The options listed under ``Options:`` in click's help, each as the set of its spellings."""
    listing = text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    found = []
    for line in listing.splitlines():
        match = re.match(r"^  (-[-\w]+(?:, -[-\w]+)*)", line)
        if match:
            found.append(set(match.group(1).split(", ")))
    return found


def _click_options(command: click.Command) -> list[set[str]]:
    return [set(p.opts) | set(p.secondary_opts) for p in command.params
            if isinstance(p, click.Option) and not p.hidden]


def test_every_command_is_documented_and_every_documented_command_exists(usage_rows: dict[str, str]) -> None:
    assert sorted(usage_rows) == sorted(cli.commands)
    mentioned = {m for span in _code_spans(README.read_text(encoding="utf-8"))
                 for m in re.findall(r"(?:^|/)packager ([a-z][a-z-]*)", span)}
    assert mentioned <= set(cli.commands), f"README mentions commands that do not exist: {mentioned - set(cli.commands)}"


def test_help_parser_sees_what_click_defines() -> None:
    """The check below reads --help as a user does; make sure it reads it completely."""
    for name, command in [("", cli), *cli.commands.items()]:
        shown = sorted(map(sorted, _help_options(_help(*[name] if name else []))))
        assert shown == sorted(map(sorted, _click_options(command) + [HELP_ONLY])), name or "packager"


@pytest.mark.parametrize("command", [
    "extract",
    "bag",
    "validate",
])
def test_every_option_of_a_command_is_in_its_readme_row(command: str, usage_rows: dict[str, str]) -> None:
    row = set(OPTION.findall(usage_rows[command]))
    missing = [sorted(names) for names in _help_options(_help(command))
               if names - HELP_ONLY and not names & row]
    assert not missing, f"`packager {command} --help` shows {missing}, absent from its README row"


def test_usage_arguments_match(usage_rows: dict[str, str]) -> None:
    for command, rest in usage_rows.items():
        usage = _help(command).splitlines()[0]  # "Usage: packager bag [OPTIONS] COLLECTION"
        arguments = [w for w in usage.split()[3:] if w != "[OPTIONS]"]
        assert arguments, usage
        for argument in arguments:
            assert argument.strip("[].") in rest.split(), f"{command}: {argument} not in README row {rest!r}"


def test_every_global_option_is_in_the_command_line_section(cli_section: str) -> None:
    mentioned = {o for span in _code_spans(cli_section) for o in OPTION.findall(span)}
    missing = [sorted(names) for names in _help_options(_help()) if names - HELP_ONLY and not names & mentioned]
    assert not missing, f"`packager --help` shows {missing}, absent from README's command-line section"


def test_every_option_the_readme_mentions_exists(cli_section: str, usage_rows: dict[str, str]) -> None:
    per_command = {name: set().union(*_click_options(c)) for name, c in cli.commands.items()}
    for command, rest in usage_rows.items():
        unknown = set(OPTION.findall(rest)) - per_command.get(command, set())
        assert not unknown, f"README row of `packager {command}` shows {sorted(unknown)}, which it does not take"
    anywhere = set().union(*per_command.values(), *_click_options(cli), HELP_ONLY)
    mentioned = {o for span in _code_spans(cli_section) for o in OPTION.findall(span)}
    assert mentioned, "no options found in the README's command-line section"
    assert mentioned <= anywhere, f"README mentions options that do not exist: {sorted(mentioned - anywhere)}"


def test_exit_code_table_lists_exactly_the_defined_codes(cli_section: str) -> None:
    table = re.search(r"^### Exit codes\s*$(.*?)(?=^#|\Z)", cli_section, re.MULTILINE | re.DOTALL)
    assert table, "README.md has no '### Exit codes' table"
    documented = [int(c) for c in re.findall(r"^\|\s*(\d+)\s*\|", table.group(1), re.MULTILINE)]
    defined = {value for name, value in vars(errors).items() if name.startswith("EXIT_")} | {130}
    assert len(documented) == len(set(documented)), f"a code is listed twice: {documented}"
    assert set(documented) == defined


def test_every_issue_code_has_a_template_and_a_matching_severity() -> None:
    registry = issues.registry()
    assert registry
    for code, kind in registry.items():
        assert kind.code == code
        assert re.fullmatch(r"[EWI][0-6]\d\d", code), code
        assert kind.severity in SEVERITY_LETTER, (code, kind.severity)
        assert code[0] == SEVERITY_LETTER[kind.severity], f"{code} has severity {kind.severity}"
        assert isinstance(kind.template, str) and kind.template.strip(), code


# --- the receiving side gives values, the registry gives the sentence ------------------------------

VALIDATE = ROOT / "packager" / "validate"
CODE = re.compile(r"[EWI]\d{3}")
#: helpers in packager/validate that make the issues of fixed codes; the situation is their first string argument
WRAPPERS = {"_e501": ("E501",), "_e502": ("E502",), "_w507": ("W507",), "_bad": ("E502", "E508"),
            "_refuse": ("E510",)}
ALWAYS = {"path", "line", "field"}  # issues.make fills these itself


def _placeholders(template: str) -> set[str]:
    return {re.split(r"[.\[]", name)[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _strings(node: ast.expr | None) -> list[str]:
    """The string constants an argument can be: a literal, or either branch of ``a if cond else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _validate_call_sites() -> list[tuple[str, str, str | None, set[str]]]:
    """(where, code, situation or None, keywords given) for every issue made in packager/validate whose
    code and situation can be read from the source; calls that only pass ``**values`` on are skipped."""
    situations = receiving.SITUATIONS
    sites = []
    for path in sorted(VALIDATE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            keywords = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords) and not keywords - ALWAYS:
                continue  # a helper passing **values on; its callers are checked
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            args = [_strings(a) for a in node.args]
            if func in WRAPPERS:
                names = next((s for s in args if s), [])
                sites += [(where, code, what, keywords) for code in WRAPPERS[func] for what in names
                          if what in situations[code]]
                assert names and any(what in situations[code] for code in WRAPPERS[func] for what in names), where
            elif func in ("make", "situation", "report") and len(args) >= 2:
                codes = [c for c in args[0] if CODE.fullmatch(c)]
                whats = args[1] if func != "make" else []
                if func == "make" or (func == "report" and isinstance(node.args[1], ast.Constant)
                                      and node.args[1].value is None):
                    sites += [(where, code, None, keywords) for code in codes]
                    continue
                if not whats:
                    continue  # the situation is a variable: exercised by the tests of that module
                if not codes:  # the code is a variable: every code that has the situation
                    codes = [c for c, named in situations.items() if set(whats) & set(named)]
                sites += [(where, code, what, keywords) for code in codes for what in whats
                          if what in situations[code]]
                assert all(any(w in situations[c] for c in codes) for w in whats), (where, codes, whats)
    return sites


def test_every_receiving_call_site_fills_its_template() -> None:
    """A missing value would raise KeyError when the issue is made; check every call site now."""
    registry = issues.registry()
    sites = _validate_call_sites()
    assert len(sites) > 100  # the reader sees the call sites
    for where, code, what, keywords in sites:
        template = registry[code].template
        if what is None:
            assert code not in receiving.SITUATIONS, f"{where}: {code} has situations, name one"
            needed = _placeholders(template)
        else:
            needed = (_placeholders(template) - {"problem"}) | _placeholders(receiving.SITUATIONS[code][what])
        assert needed - ALWAYS <= keywords, f"{where}: {code} {what or ''} needs {sorted(needed - ALWAYS - keywords)}"


def test_every_situation_is_raised_somewhere() -> None:
    """No sentence is dead: each situation name appears in packager/validate."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in VALIDATE.glob("*.py"))
    named = set(re.findall(r"\"([a-z_0-9]+)\"", source))
    dead = sorted(f"{code} {what}" for code, sentences in receiving.SITUATIONS.items() for what in sentences
                  if what not in named)
    assert dead == []


def test_the_receiving_codes_have_real_templates() -> None:
    """No 5xx/6xx template is only a placeholder for a sentence built elsewhere."""
    bare = sorted(code for code, kind in issues.registry().items() if code[1] in "56"
                  and kind.template.strip() in ("{detail}", "{problem}") and code not in receiving.SITUATIONS)
    assert bare == ["W608"]  # raised nowhere: no sentence until something raises it


def test_a_missing_value_or_situation_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        receiving.situation("E602", "csv_missing_typo", path="data/metadata/metadata.csv")
    with pytest.raises(KeyError):
        receiving.situation("E602", "row_repeated", path="data/metadata/metadata.csv", line=3, filename="x")
    issue = receiving.situation("E602", "row_repeated", path="data/metadata/metadata.csv", line=3,
                                filename="data/objects/a.jpg", target="data/objects/a.jpg", first=2)
    assert issue.message == ("metadata.csv, line 3: data/objects/a.jpg describes data/objects/a.jpg, which line 2 "
                             "describes already; keep one row")
    assert (issue.code, issue.path, issue.line) == ("E602", "data/metadata/metadata.csv", 3)


def test_issue_codes_the_readme_names_exist() -> None:
    registry = issues.registry()
    named = set(re.findall(r"\b[EWI]\d{3}\b", README.read_text(encoding="utf-8")))
    assert named, "README names no issue codes"
    assert named <= set(registry), f"README names codes that are not defined: {sorted(named - set(registry))}"


# --- exit code 3 when ExifTool is missing or too old ----------------------------------------------

@pytest.fixture
def tiny_collection(tmp_path: Path) -> Path:
    collection = tmp_path / "c"
    (collection / "images").mkdir(parents=True)
    Image.new("RGB", (8, 8), (10, 20, 30)).save(collection / "images" / "p-001.jpg", "JPEG")
    (collection / "captions.txt").write_text("Police officers patrol a square in Kashgar.\n", encoding="utf-8")
    (collection / "collection.toml").write_text(
        '[collection]\nidentifier = "tiny"\ntitle = "Tiny"\n\n'
        '[source]\ncaptions = "captions.txt"\nimages = "images"\npattern = "p-{n:03d}.jpg"\n', encoding="utf-8")
    return collection


def _run_with_exiftool(exiftool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PACKAGER_EXIFTOOL=exiftool)
    return subprocess.run([sys.executable, "-m", "packager", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def _no_bag(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


def test_missing_exiftool_exits_3_and_says_how_to_install(tiny_collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    proc = _run_with_exiftool("/nonexistent/exiftool", "bag", tiny_collection, "--out", out)
    assert proc.returncode == errors.EXIT_ENVIRONMENT == 3, proc.stderr
    assert proc.stdout == ""
    assert "E004" in proc.stderr and "libimage-exiftool-perl" in proc.stderr
    assert "/nonexistent/exiftool" in proc.stderr
    assert _no_bag(out)


def test_missing_exiftool_with_json_is_one_document(tiny_collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    proc = _run_with_exiftool("/nonexistent/exiftool", "bag", tiny_collection, "--out", out, "--json")
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(proc.stdout)  # exactly one JSON document
    assert doc["ok"] is False
    assert doc["error"]["exit_code"] == 3
    assert "libimage-exiftool-perl" in doc["error"]["message"]
    assert [i["code"] for i in doc["issues"]] == ["E004"]
    assert _no_bag(out)


def test_too_old_exiftool_exits_3(tiny_collection: Path, tmp_path: Path) -> None:
    fake = tmp_path / "old-exiftool"
    fake.write_text("#!/bin/sh\necho 9.00\n", encoding="utf-8")
    fake.chmod(0o755)
    proc = _run_with_exiftool(str(fake), "bag", tiny_collection, "--out", tmp_path / "bags", "--json")
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["error"]["exit_code"] == 3 and [i["code"] for i in doc["issues"]] == ["E005"]
    assert "9.00" in doc["error"]["message"]


# --- version ---------------------------------------------------------------------------------------

def test_version_option_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"packager, version {packager.__version__}"


def test_package_version_is_the_project_version() -> None:
    """The version is written once, in packager/__init__.py; pyproject.toml reads it from there
    and the installed distribution carries it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "packager.__version__"}
    from importlib.metadata import version

    assert version("packager") == packager.__version__
