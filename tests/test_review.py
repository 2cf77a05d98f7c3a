"""The review loop: sheet format, edits as a person makes them, provenance, stale rows, defaults, CLI."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager import pipeline
from packager.collection import config
from packager.errors import ConfigError
from packager.metadata.records import item_dict
from packager.model import ANALYSIS, ARCHIVIST, CAPTION, COLLECTION, Record, mark
from packager.review import cells as sheet
from packager.review import sheet as review

from .conftest import run_cli, tree_digest, write_captions, write_csv_collection

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
CAPTIONS = {
    "a.jpg": "Volunteers stand guard on a street corner at night.",
    "b.jpg": "Screen capture of a crowd monitoring system in a showroom.",
    "c.jpg": "=1+2 is not a formula: a caption that starts like one, with \"quotes\", commas; and a semicolon.",
}


def make_collection(root: Path, captions: dict[str, str] | None = None, extra_toml: str = "") -> Path:
    """A small CSV collection with generated images."""
    captions = CAPTIONS if captions is None else captions
    (root / "images").mkdir(parents=True)
    for n, name in enumerate(captions):
        Image.new("RGB", (8, 8), (n * 40, 20, 30)).save(root / "images" / name, "JPEG")
    return write_csv_collection(root, captions, "review-test", "Review test", collection='rights = "CC BY 4.0"\n',
                                after=extra_toml)


@pytest.fixture
def coll(tmp_path: Path) -> Path:
    return make_collection(tmp_path / "coll")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The sheet as a person's script sees it with the csv module (cells not yet unprotected)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], **fmt: Any) -> None:
    with open(path, "w", encoding=fmt.pop("encoding", "utf-8-sig"), newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), **fmt)
        writer.writeheader()
        writer.writerows(rows)


def items(collection: Path) -> dict[str, dict[str, Any]]:
    return {i.identifier: item_dict(i) for i in pipeline.extract(collection).items}


def codes(found: Any) -> list[str]:
    return [i.code for i in found]


def sheet_issues(found: Any) -> list[Any]:
    """The issues about the sheet: c.jpg's caption starts like a formula, which the caption reader warns of (W119)."""
    return [i for i in found if i.code != "W119"]


# --- the cell codec --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, cell", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-x", "'-x"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("'quoted", "''quoted"), ("plain", "plain"), ("", ""), ("a=b", "a=b"),
])
def test_formula_protection_reads_back_exactly(value: str, cell: str) -> None:
    assert sheet.protect(value) == cell
    assert sheet.unprotect(cell) == value


@pytest.mark.parametrize("values, cell", [
    (("police", "night"), "police; night"),
    (("a;b", "c\\d"), "a\\;b; c\\\\d"),
    ((" lead", "trail ", " "), "\\ lead; trail\\ ; \\ "),
])
def test_list_cells(values: tuple[str, ...], cell: str) -> None:
    assert sheet.join_list(values) == cell
    assert sheet.split_list(cell) == values


def test_list_cells_as_people_type_them() -> None:
    assert sheet.split_list(" police ;night;; ") == ("police", "night")
    assert sheet.split_list("") == ()


ALPHABET = (["\U0001F600", "\U00010348", "\u05e9\u05dc\u05d5\u05dd", "\u0627\u0644", "e\u0301", "\u200f", "\u202e",
             '"', "'", ";", ",", "\\", "\n", "\r\n", "\r", "\t", " ", "=", "+", "-", "@", "\u00a0", "\u2028",
             "\ufeff", "x", "Z", "0", "\x07", "\x00"])
NOT_XML = ("\x07", "\x00")  # the sheet keeps them; the record replaces them (W311), as for any source


def random_text(rng: random.Random, max_len: int = 12, xml_only: bool = False) -> str:
    alphabet = [a for a in ALPHABET if not (xml_only and a in NOT_XML)]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len)))


def test_random_text_survives_the_sheet_codec() -> None:
    rng = random.Random(20240601)
    rows = []
    for _ in range(300):
        lists = tuple(dict.fromkeys(random_text(rng) for _ in range(rng.randint(0, 4))))
        rows.append((random_text(rng), lists))
    data = sheet.table_bytes(["identifier", "caption", "keywords"],
                             [[str(n), text, sheet.join_list(lst)] for n, (text, lst) in enumerate(rows)])
    header, records = sheet.read_table(data, ("identifier",))
    assert header == ["identifier", "caption", "keywords"]
    assert [(cells[1], sheet.split_list(cells[2])) for _, cells in records] == rows


def test_sheet_bytes_open_cleanly_in_a_spreadsheet(coll: Path) -> None:
    run = pipeline.write_review(coll)
    data = (coll / "review.csv").read_bytes()
    assert run.sheet == coll / "review.csv" and run.rows == 3 and run.edits == 0
    assert data.startswith(b"\xef\xbb\xbf\"identifier\",\"file\",\"fingerprint\",\"caption\",\"title\"")
    text = data.decode("utf-8-sig")
    assert text.endswith('"\r\n') and text.split("\r\n")[1].startswith('"a","a.jpg","sha256:')
    assert all(line.startswith('"') and line.endswith('"') for line in text.split("\r\n")[:-1])  # all quoted
    header = next(csv.reader(io.StringIO(text)))
    assert header == list(review.HEADER)
    assert '"\'=1+2 is not a formula' in text  # the caption that starts like a formula is protected
    rows = read_rows(coll / "review.csv")
    assert [r["identifier"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["digital_source_type"] == "screenCapture" and rows[0]["truncated"] == "no"
    assert rows[0]["fingerprint"] == review.fingerprint(CAPTIONS["a.jpg"])
    assert not list(coll.glob(".review.csv.*"))  # the temporary file was renamed into place


# --- an untouched sheet changes nothing ---------------------------------------------------------------

def test_untouched_sheet_changes_nothing(coll: Path) -> None:
    without = pipeline.extract(coll)
    pipeline.write_review(coll)
    with_sheet = pipeline.extract(coll)
    assert [item_dict(i) for i in with_sheet.items] == [item_dict(i) for i in without.items]
    assert with_sheet.issues == without.issues


def test_untouched_sheet_changes_nothing_in_the_cli_json(coll: Path) -> None:
    before = run_cli("extract", coll, "--json")
    assert run_cli("review", coll).code == 0
    after = run_cli("extract", coll, "--json")
    assert before.code == after.code == 0
    assert json.loads(after.stdout) == json.loads(before.stdout)


# --- edits as a person makes them -----------------------------------------------------------------

def test_edits_made_with_the_csv_module_win_and_are_marked_archivist(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0].update(title="Night watch, Kashgar", city="Kashgar", keywords="volunteers; night; =not a formula",
                   persons_shown="Li Wei", truncated="yes", digital_source_type="negativeFilm")
    rows[1]["organisations"] = "SenseTime"
    write_rows(coll / "review.csv", rows)
    a, b, c = items(coll).values()
    assert (a["title"], a["keywords"], a["persons_shown"], a["truncated"]) == (
        "Night watch, Kashgar", ["volunteers", "night", "=not a formula"], ["Li Wei"], True)
    assert a["digital_source_type"] == DST + "negativeFilm"
    assert a["locations"][0]["city"] == "Kashgar"
    prov = a["provenance"]
    assert {k: prov[k] for k in ("title", "keywords", "persons_shown", "truncated", "digital_source_type",
                                 "locations[0].city")} == dict.fromkeys(
        ("title", "keywords", "persons_shown", "truncated", "digital_source_type", "locations[0].city"), ARCHIVIST)
    assert (prov["description"], prov["headline"], prov["rights"]) == (CAPTION, ANALYSIS, COLLECTION)
    assert b["organisations"] == ["SenseTime"] and b["provenance"]["organisations"] == ARCHIVIST
    assert ARCHIVIST not in c["provenance"].values()
    assert b["provenance"]["title"] == ANALYSIS


def test_edits_survive_a_spreadsheet_resave_without_bom_crlf_or_quotes(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[1]["title"] = "Crowd monitoring, showroom"
    rows[2]["keywords"] = "formulas; quotes"
    write_rows(coll / "review.csv", rows, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    data = (coll / "review.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data and not data.startswith(b'"')
    got = items(coll)
    assert got["b"]["title"] == "Crowd monitoring, showroom" and got["b"]["provenance"]["title"] == ARCHIVIST
    assert got["c"]["keywords"] == ["formulas", "quotes"]
    assert got["c"]["description"] == CAPTIONS["c.jpg"]  # the protected caption cell was not taken as an edit
    assert got["a"]["provenance"].get("title") == ANALYSIS


def test_a_sheet_resaved_with_semicolons_as_delimiter(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["title"] = "Guards at night"
    write_rows(coll / "review.csv", rows, delimiter=";")
    assert items(coll)["a"]["title"] == "Guards at night"


def test_random_unicode_edits_round_trip_through_extract_and_review(coll: Path) -> None:
    rng = random.Random(7)
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    wanted = {}
    for row in rows:
        title = random_text(rng, 10, xml_only=True)
        while len(title.encode("utf-8")) > 64:
            title = title[:-1]
        persons = tuple(dict.fromkeys(random_text(rng, 8, xml_only=True) for _ in range(3)))
        city = random_text(rng, 8, xml_only=True)
        row.update(title=sheet.protect(title), persons_mentioned=sheet.protect(sheet.join_list(persons)),
                   city=sheet.protect(city))
        wanted[row["identifier"]] = (title, persons, city)
    write_rows(coll / "review.csv", rows)
    first = items(coll)
    for identifier, (title, persons, city) in wanted.items():
        got = first[identifier]
        assert (got["title"], tuple(got["persons_mentioned"]), got["locations"][0]["city"]) == (title, persons, city)
    run = pipeline.write_review(coll)  # re-running review keeps every edit, byte for byte
    assert run.edits == 9 and run.sheet is not None
    again = {r["identifier"]: r for r in read_rows(coll / "review.csv")}
    for identifier, (title, persons, _city) in wanted.items():
        assert sheet.unprotect(again[identifier]["title"]) == title
        assert sheet.split_list(sheet.unprotect(again[identifier]["persons_mentioned"])) == persons
    assert items(coll) == first


def test_location_edits_complete_what_the_gazetteer_knows_and_keep_the_rest(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0].update(city="Nowhereville", province_state="Somewhere", country="Narnia", country_code="NAR")
    rows[1].update(sublocation="Hall 3")
    write_rows(coll / "review.csv", rows)
    got = items(coll)
    assert got["a"]["locations"][0] == {"sublocation": "", "city": "Nowhereville", "province_state": "Somewhere",
                                        "country": "Narnia", "country_code": "NAR", "identifiers": []}
    assert got["b"]["locations"][0]["sublocation"] == "Hall 3"
    assert got["b"]["provenance"]["locations[0].sublocation"] == ARCHIVIST


def test_emptying_every_place_cell_removes_the_location(tmp_path: Path) -> None:
    coll = make_collection(tmp_path / "c", extra_toml='\n[defaults]\ncountry = "China"\n')
    pipeline.write_review(coll)
    assert items(coll)["a"]["locations"][0]["country"] == "China"
    rows = read_rows(coll / "review.csv")
    rows[0].update(country="", country_code="")
    write_rows(coll / "review.csv", rows)
    got = items(coll)["a"]
    assert got["locations"] == [] and got["provenance"]["locations"] == ARCHIVIST


@pytest.mark.parametrize("column, value, detail", [
    ("truncated", "maybe", "write yes or no"),
    ("digital_source_type", "photo", "not an IPTC digital source type"),
    ("title", "x" * 65, "64 bytes"),
    ("keywords", "ok; " + "k" * 65, "longer than 64 bytes"),
    ("country_code", "CN", "alpha-3"),
])
def test_unusable_cells_are_refused_naming_sheet_row_and_column(coll: Path, tmp_path: Path, column: str,
                                                                value: str, detail: str) -> None:
    plain = items(coll)["b"]
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[1][column] = value
    write_rows(coll / "review.csv", rows)
    ex = pipeline.extract(coll)
    (item,) = [i for i in ex.items if i.identifier == "b"]
    (issue,) = [i for i in item.issues if i.code == "E123"]
    assert (issue.path, issue.line, issue.field) == (str(coll / "review.csv"), 3, column)
    assert f"review sheet {coll / 'review.csv'}, row 3, column {column} (b)" in issue.message
    assert repr(value) in issue.message and detail in issue.message
    assert item_dict(item)["title"] == plain["title"] and item.record is not None
    assert ARCHIVIST not in dict(item.record.provenance).values()
    run = pipeline.build_bag(coll, tmp_path / "bags")
    assert run.bag is None and not (tmp_path / "bags").exists()


# --- three-way comparison: what counts as an edit -------------------------------------------------------

def test_a_newer_analysis_refreshes_untouched_cells_and_keeps_edited_ones(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["title"] = "Edited title"
    # Row b as an older packager would have written it: another analysed title, with its digest.
    digests = dict(part.split("=") for part in rows[1]["analysed"].split())
    digests["title"] = review.digest("title", "An older analysed title")
    rows[1].update(title="An older analysed title", analysed=review.digests_cell(digests))
    write_rows(coll / "review.csv", rows)
    current = items(coll)
    assert current["a"]["title"] == "Edited title"
    assert current["b"]["title"] != "An older analysed title"  # not an edit: the current analysis is used
    assert current["b"]["provenance"]["title"] == ANALYSIS
    run = pipeline.write_review(coll)
    assert run.edits == 1
    rows = {r["identifier"]: r for r in read_rows(coll / "review.csv")}
    assert rows["a"]["title"] == "Edited title" and rows["b"]["title"] == current["b"]["title"]


def test_an_edit_stays_an_edit_when_the_analysis_changes(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["keywords"] = "guards"
    write_rows(coll / "review.csv", rows)
    # The analysis changes: the collection now adds a keyword to every item.
    with open(coll / "collection.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[defaults]\nkeywords = ["archive test"]\n')
    got = items(coll)
    assert got["a"]["keywords"] == ["guards"] and got["a"]["provenance"]["keywords"] == ARCHIVIST
    assert got["b"]["keywords"][-1] == "archive test"
    assert got["b"]["provenance"][f"keywords[{len(got['b']['keywords']) - 1}]"] == COLLECTION
    pipeline.write_review(coll)
    rows = {r["identifier"]: r for r in read_rows(coll / "review.csv")}
    assert rows["a"]["keywords"] == "guards" and rows["b"]["keywords"].endswith("; archive test")


def test_without_the_analysed_column_edits_are_found_against_the_current_analysis(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    for row in rows:
        del row["analysed"]
    rows[2]["title"] = "Formula-like caption"
    write_rows(coll / "review.csv", rows)
    ex = pipeline.extract(coll)
    assert "W125" in codes(ex.issues)
    got = {i.identifier: item_dict(i) for i in ex.items}
    assert got["c"]["title"] == "Formula-like caption" and got["c"]["provenance"]["title"] == ARCHIVIST
    assert ARCHIVIST not in got["a"]["provenance"].values()


def test_a_changed_caption_cell_is_ignored_with_a_warning(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["caption"] = "Someone rewrote the caption here."
    write_rows(coll / "review.csv", rows)
    ex = pipeline.extract(coll)
    (warning,) = [i for i in ex.issues if i.code == "W124"]
    assert warning.line == 2 and "captions.csv" in warning.message
    assert item_dict(next(i for i in ex.items if i.identifier == "a"))["description"] == CAPTIONS["a.jpg"]


# --- a sheet that no longer matches the collection ------------------------------------------------------

def _edit_all(path: Path) -> None:
    rows = read_rows(path)
    for row in rows:
        row["title"] = f"Checked {row['identifier']}"
    write_rows(path, rows)


def test_renamed_image_row_with_edits_is_an_error_and_stops_the_bag(coll: Path, tmp_path: Path) -> None:
    pipeline.write_review(coll)
    _edit_all(coll / "review.csv")
    (coll / "images" / "b.jpg").rename(coll / "images" / "b2.jpg")
    write_captions(coll, {"a.jpg": CAPTIONS["a.jpg"], "b2.jpg": CAPTIONS["b.jpg"], "c.jpg": CAPTIONS["c.jpg"]})
    ex = pipeline.extract(coll)
    (stale,) = [i for i in ex.issues if i.code == "E121"]
    assert (stale.path, stale.line, stale.field) == (str(coll / "review.csv"), 3, "identifier")
    assert "no image of the collection has the identifier b (file 'b.jpg')" in stale.message
    assert "its edits (title) were not applied" in stale.message and "delete the row" in stale.message
    got = {i.identifier: item_dict(i) for i in ex.items}
    assert got["b2"]["title"] != "Checked b"  # never applied to another image
    assert got["a"]["title"] == "Checked a"
    assert "I127" in codes(next(i for i in ex.items if i.identifier == "b2").issues)
    run = pipeline.build_bag(coll, tmp_path / "bags")
    assert run.bag is None and not (tmp_path / "bags").exists()


def test_stale_row_without_edits_is_only_a_warning_and_review_drops_it(coll: Path) -> None:
    pipeline.write_review(coll)
    (coll / "images" / "c.jpg").unlink()
    write_captions(coll, {k: v for k, v in CAPTIONS.items() if k != "c.jpg"})
    ex = pipeline.extract(coll)
    assert codes(ex.issues) == ["W122"] and ex.errors == 0
    assert "holds no edits and was ignored" in ex.issues[0].message
    run = pipeline.write_review(coll)
    assert run.rows == 2 and [r["identifier"] for r in read_rows(coll / "review.csv")] == ["a", "b"]


def test_changed_caption_gives_the_new_fingerprint_to_confirm(coll: Path) -> None:
    pipeline.write_review(coll)
    _edit_all(coll / "review.csv")
    write_captions(coll, {**CAPTIONS, "a.jpg": "Volunteers stand guard on a different street."})
    ex = pipeline.extract(coll)
    (stale,) = [i for i in ex.issues if i.code == "E121"]
    new = review.fingerprint("Volunteers stand guard on a different street.")
    assert stale.line == 2 and stale.field == "fingerprint" and "caption of a changed" in stale.message
    assert f"set the fingerprint cell to {new}" in stale.message
    # The archivist confirms: the edits now apply to the new caption.
    rows = read_rows(coll / "review.csv")
    rows[0]["fingerprint"] = new
    write_rows(coll / "review.csv", rows)
    assert items(coll)["a"]["title"] == "Checked a"


def test_duplicated_row_and_identifier_naming_another_file(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[1]["title"] = "First b"
    rows.append(dict(rows[1], title="Second b"))
    rows[2]["file"] = "other.jpg"
    rows[2]["title"] = "Edited c"
    write_rows(coll / "review.csv", rows)
    ex = pipeline.extract(coll)
    stale = {i.line: i for i in ex.issues if i.code == "E121"}
    assert sorted(stale) == [4, 5]
    assert "c now names the file 'c.jpg', not 'other.jpg'" in stale[4].message and stale[4].field == "file"
    assert "b already has row 3" in stale[5].message
    got = {i.identifier: item_dict(i) for i in ex.items}
    assert got["b"]["title"] == "First b" and got["c"]["title"] != "Edited c"


def test_review_refuses_to_drop_edits_of_unmatched_rows(coll: Path) -> None:
    pipeline.write_review(coll)
    _edit_all(coll / "review.csv")
    before = (coll / "review.csv").read_bytes()
    (coll / "images" / "c.jpg").unlink()
    write_captions(coll, {k: v for k, v in CAPTIONS.items() if k != "c.jpg"})
    run = pipeline.write_review(coll)
    assert run.sheet is None and "E121" in codes(run.issues)
    assert (coll / "review.csv").read_bytes() == before
    result = run_cli("review", coll, "--json")
    assert result.code == 1
    doc = result.json()
    assert doc["ok"] is False and doc["sheet"] is None and "E121" in [i["code"] for i in doc["issues"]]
    assert (coll / "review.csv").read_bytes() == before


def test_unreadable_sheet_is_an_error(coll: Path) -> None:
    (coll / "review.csv").write_bytes("identifier;title\n\xe9t\xe9\n".encode())
    found = sheet_issues(pipeline.extract(coll).issues)
    assert codes(found) == ["E120"] and "must name the columns identifier, file, fingerprint" in found[0].message
    (coll / "review.csv").write_bytes(b"identifier,file,fingerprint\n\xe9\n")
    assert "not UTF-8" in sheet_issues(pipeline.extract(coll).issues)[0].message


def test_unknown_column_is_ignored_with_a_warning(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    for row in rows:
        row["my notes"] = "looked at it"
    write_rows(coll / "review.csv", rows)
    found = sheet_issues(pipeline.extract(coll).issues)
    assert codes(found) == ["W128"] and "'my notes'" in found[0].message


# --- provenance and collection defaults ----------------------------------------------------------------

def test_provenance_of_every_non_empty_field(coll: Path) -> None:
    (coll / "captions.csv").write_text(
        'filename,caption,credit\na.jpg,"Police officers in Beijing.",Jane Doe\n'
        'b.jpg,"Screen capture of a video.",\nc.jpg,"A street.",\n', encoding="utf-8")
    got = items(coll)
    for record in got.values():
        prov = record["provenance"]
        for name, value in record.items():
            if name in ("provenance", "issues", "tags", "dublin_core", "locations"):
                continue
            assert bool(value) == (name in prov), (record["identifier"], name, value, prov)
        for i, loc in enumerate(record["locations"]):
            for part, value in loc.items():
                assert bool(value) == (f"locations[{i}].{part}" in prov), (part, prov)
    a, b = got["a"], got["b"]
    assert (a["provenance"]["credit"], a["provenance"]["rights"], a["provenance"]["identifier"]) == (
        ARCHIVIST, COLLECTION, COLLECTION)
    assert (a["provenance"]["digital_source_type"], b["provenance"]["digital_source_type"]) == (COLLECTION, ANALYSIS)
    assert b["provenance"]["description"] == CAPTION and b["provenance"]["headline"] == ANALYSIS


def test_defaults_fill_what_the_analysis_leaves_empty(tmp_path: Path) -> None:
    coll = make_collection(tmp_path / "c", {"a.jpg": "A street at night.", "b.jpg": "Police in Beijing."},
                           '\n[defaults]\ncountry = "China"\nkeywords = ["archive test", "street scenes"]\n')
    cfg = pipeline.load_config(coll)
    assert (cfg.info.default_location.country, cfg.info.default_location.country_code) == ("China", "CHN")
    got = items(coll)
    a = got["a"]
    assert a["locations"][0]["country"] == "China" and a["locations"][0]["country_code"] == "CHN"
    assert a["provenance"]["locations[0].country"] == COLLECTION
    assert a["provenance"]["locations[0].country_code"] == COLLECTION
    assert a["keywords"][-2:] == ["archive test", "street scenes"]
    assert "I202" in [i["code"] for i in a["issues"]]  # the caption still names no place
    b = got["b"]
    assert b["provenance"]["locations[0].city"] == ANALYSIS  # a place from the caption is not replaced
    assert b["provenance"]["locations[0].country"] == ANALYSIS


@pytest.mark.parametrize("table, message", [
    ('country = "Narnia"', "add country_code"),
    ('colour = "red"', "unknown key 'colour'"),
    ("keywords = \"one\"", "must be a list of strings"),
    ('country = "China"\ncountry_code = "CN"', "alpha-3"),
])
def test_bad_defaults_are_configuration_errors(tmp_path: Path, table: str, message: str) -> None:
    coll = make_collection(tmp_path / "c", extra_toml=f"\n[defaults]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        pipeline.load_config(coll)
    assert message in caught.value.message


def test_defaults_with_a_country_code_for_a_country_the_gazetteer_lacks(tmp_path: Path) -> None:
    coll = make_collection(tmp_path / "c", extra_toml='\n[defaults]\ncountry = "Narnia"\ncountry_code = "NAR"\n')
    assert pipeline.load_config(coll).info.default_location.country_code == "NAR"


def test_review_sheet_place_is_configurable_and_never_the_captions(tmp_path: Path) -> None:
    coll = make_collection(tmp_path / "c")
    toml = (coll / "collection.toml").read_text(encoding="utf-8")
    (coll / "collection.toml").write_text(toml.replace('images = "images"\n',
                                                       'images = "images"\nreview = "sheets/check.csv"\n'))
    assert config.load(coll).review == coll.resolve() / "sheets" / "check.csv"
    run = pipeline.write_review(coll)
    assert run.sheet == coll.resolve() / "sheets" / "check.csv" and run.sheet.is_file()
    (coll / "collection.toml").write_text(toml.replace('images = "images"\n',
                                                       'images = "images"\nreview = "captions.csv"\n'))
    with pytest.raises(ConfigError):
        pipeline.load_config(coll)


def test_mark_attributes_only_what_changed() -> None:
    base = mark(Record(identifier="x", file="x.jpg", description="d", keywords=("a",)), None, ANALYSIS)
    grown = mark(replace(base, keywords=("a", "b")), base, COLLECTION)
    assert grown.provenance == (("identifier", ANALYSIS), ("file", ANALYSIS), ("description", ANALYSIS),
                                ("keywords[0]", ANALYSIS), ("keywords[1]", COLLECTION))
    assert grown.to_dict()["provenance"]["keywords[1]"] == COLLECTION
    edited = mark(replace(grown, keywords=("a", "c")), grown, ARCHIVIST)
    assert edited.to_dict()["provenance"]["keywords"] == ARCHIVIST  # a list the archivist changed is theirs
    cleared = mark(replace(edited, description=""), edited, ANALYSIS)
    assert cleared.origin("description") == ""


# --- the command line -----------------------------------------------------------------------------

def test_cli_review_text_json_and_exit_codes(coll: Path, tmp_path: Path) -> None:
    before = tree_digest(coll)
    text = run_cli("review", coll)
    assert text.code == 0, text.stderr
    assert f"Review sheet written: {coll / 'review.csv'} (3 rows, 0 cells edited" in text.stdout
    after = tree_digest(coll)
    assert set(after) - set(before) == {"review.csv"} and all(after[k] == v for k, v in before.items())
    rows = read_rows(coll / "review.csv")
    rows[0]["title"] = "Edited"
    write_rows(coll / "review.csv", rows)
    out = tmp_path / "elsewhere" / "sheet.csv"
    result = run_cli("review", coll, "--out", out, "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["command"] == "review" and doc["ok"] is True and doc["sheet"] == str(out)
    assert doc["summary"]["rows"] == 3 and doc["summary"]["edits"] == 1 and doc["summary"]["errors"] == 0
    assert read_rows(out)[0]["title"] == "Edited"
    assert run_cli("review", coll, "--bogus").code == 2
    missing = run_cli("review", tmp_path / "nowhere", "--json")
    assert missing.code == 3 and missing.json()["issues"][0]["code"] == "E001"
    captions = run_cli("review", coll, "--out", coll / "captions.csv")
    assert captions.code == 2 and (coll / "captions.csv").read_bytes() == before["captions.csv"][0]


def test_cli_extract_shows_what_the_archivist_gave(coll: Path) -> None:
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["title"] = "Edited"
    write_rows(coll / "review.csv", rows)
    result = run_cli("extract", coll)
    assert result.code == 0
    assert "  given:     archivist: title" in result.stdout
    assert "review.csv: 1 edited cell(s) of 1 item(s) applied" in result.stdout
    doc = run_cli("extract", coll, "--json").json()
    assert "I126" in [i["code"] for i in doc["issues"]]


def test_bag_applies_the_sheet_and_records_provenance(coll: Path, tmp_path: Path) -> None:
    shutil.rmtree(coll / "images")
    (coll / "images").mkdir()
    for n, name in enumerate(CAPTIONS):
        Image.new("RGB", (16, 16), (n * 40, 90, 30)).save(coll / "images" / name, "JPEG")
    pipeline.write_review(coll)
    rows = read_rows(coll / "review.csv")
    rows[0]["title"] = "Night watch"
    write_rows(coll / "review.csv", rows)
    run = pipeline.build_bag(coll, tmp_path / "bags", workers=1)
    assert run.ok, [i.message for i in run.validation.problems] if run.validation else run.items
    assert run.bag is not None
    records = json.loads((run.bag / "data" / "metadata" / "records.json").read_text(encoding="utf-8"))
    first = records["items"][0]
    assert first["title"] == "Night watch" and first["provenance"]["title"] == ARCHIVIST
    assert first["tags"]["XMP-dc:Title"] == "Night watch"
