"""Reading caption sources: leftovers dropped by name, text kept exactly, encodings refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from packager.collection.captions import CaptionEntry, leftover_reason, read_captions, split_lines
from packager.errors import CollectionError

from .conftest import COLLECTION

SAMPLE = COLLECTION / "captions.txt"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def codes(found: list) -> list[tuple[str, int | None]]:
    return [(i.code, i.line) for i in found]


# --- the sample ------------------------------------------------------------------

def test_sample_has_25_captions_and_two_named_leftovers() -> None:
    entries, found = read_captions(SAMPLE)
    assert len(entries) == 25
    assert [e.line for e in entries] == list(range(1, 26))
    assert codes(found) == [("W101", 26), ("W101", 27)]
    assert "'Surv - 021.jpg'" in found[0].message and "line 26" in found[0].message
    assert "'prev / next'" in found[1].message and "line 27" in found[1].message
    assert all(i.path == str(SAMPLE) for i in found)


def test_sample_text_is_kept_exactly_apart_from_surrounding_space() -> None:
    entries, _ = read_captions(SAMPLE)
    raw = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert [e.text for e in entries] == [line.strip() for line in raw[:25]]
    assert entries[0].text.startswith("A police robot")  # the leading space is gone
    assert "China’s police" in entries[0].text  # curly apostrophe kept
    assert "payment.  So far" in entries[11].text  # double space kept
    assert "By\u00a02020" in entries[22].text  # no-break space kept
    assert "“sensitiv" in entries[6].text
    assert all(e.file is None and e.overrides == {} for e in entries)


# --- leftovers -------------------------------------------------------------------

@pytest.mark.parametrize("line", ["Surv - 021.jpg", "IMG_0001.JPG", "scan 3.tiff", "prev / next", "next", "Previous",
                                  "« prev", "next »", "< Previous | Next >", "1 / 25", "3 of 25", "Page 2",
                                  "Back to top"])
def test_web_page_leftovers_are_recognised(line: str) -> None:
    assert leftover_reason(line) is not None


@pytest.mark.parametrize("line", ["Beijing.", "2018", "Police", "Home", "Top", "Back", "Last",
                                  "Next generation of cameras.", "First snow in Beijing", "A photo. IMG.jpg",
                                  "Surveillance camera, 1 of 9 on the pole."])
def test_short_real_captions_are_kept(line: str) -> None:
    assert leftover_reason(line) is None


def test_blank_and_whitespace_lines_are_dropped_with_their_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "c.txt", "First.\n\n \t\nSecond.\n\u00a0\nnext\n")
    entries, found = read_captions(path)
    assert [(e.text, e.line) for e in entries] == [("First.", 1), ("Second.", 4)]
    assert codes(found) == [("W102", 2), ("W102", 3), ("W102", 5), ("W101", 6)]


def test_line_breaks_crlf_cr_and_missing_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "c.txt", b"One.\r\nTwo.\rThree.")
    entries, found = read_captions(path)
    assert [(e.text, e.line) for e in entries] == [("One.", 1), ("Two.", 2), ("Three.", 3)]
    assert found == []


def test_split_lines_keeps_form_feed_and_unicode_separators_inside_a_line() -> None:
    assert split_lines("a\x0cb\u2028c\nd\n") == ["a\x0cb\u2028c", "d"]


def test_control_characters_warn_and_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "c.txt", "Fine.\nA\x07bell and\ttab.\n")
    entries, found = read_captions(path)
    assert entries[1].text == "A\x07bell and\ttab."
    assert codes(found) == [("W110", 2)]


# --- encodings -------------------------------------------------------------------

def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "c.txt", b"\xef\xbb\xbfCaf\xc3\xa9 in Beijing.\n")
    entries, found = read_captions(path)
    assert entries[0].text == "Café in Beijing." and found == []


def test_latin1_file_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.txt", "One.\nTwo.\nCaf\xe9 three.\n".encode("latin-1"))
    with pytest.raises(CollectionError) as info:
        read_captions(path)
    err = info.value
    assert str(path) in err.message and "line 3" in err.message and "0xe9" in err.message
    assert err.issues[0].code == "E103" and err.issues[0].line == 3 and err.issues[0].path == str(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "u16.txt", "One.\nTwo.\n".encode(encoding))
    with pytest.raises(CollectionError) as info:
        read_captions(path)
    assert info.value.issues[0].code == "E103"
    assert info.value.issues[0].line == 1 and str(path) in info.value.message


# --- CSV -------------------------------------------------------------------------

def test_csv_with_bom_any_header_order_and_overrides(tmp_path: Path) -> None:
    text = ("\ufeffCaption,Title,FileName,keywords,city\n"
            "\"Police in Beijing, at night.\",Night patrol,a.jpg,police; night,\n"
            "A “quoted”  caption.,,b.jpg,,Hangzhou\n")
    entries, found = read_captions(write(tmp_path, "c.csv", text))
    assert found == []
    assert entries == [
        CaptionEntry("Police in Beijing, at night.", 2, "a.jpg",
                     {"title": "Night patrol", "keywords": "police; night"}),
        CaptionEntry("A “quoted”  caption.", 3, "b.jpg", {"city": "Hangzhou"}),
    ]


def test_csv_without_header_is_e107_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "a.jpg,A caption.\nb.jpg,Another.\n")
    entries, found = read_captions(path)
    assert entries == []
    assert codes(found) == [("E107", 1)]
    assert str(path) in found[0].message and "filename" in found[0].message and "caption" in found[0].message


def test_csv_missing_caption_column_is_e107(tmp_path: Path) -> None:
    entries, found = read_captions(write(tmp_path, "c.csv", "filename,title\na.jpg,T\n"))
    assert entries == [] and codes(found) == [("E107", 1)] and "missing: caption" in found[0].message


def test_empty_csv_is_e107(tmp_path: Path) -> None:
    entries, found = read_captions(write(tmp_path, "c.csv", ""))
    assert entries == [] and [i.code for i in found] == ["E107"]


def test_csv_unknown_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    entries, found = read_captions(write(tmp_path, "c.csv", "filename,caption,notes\na.jpg,Text.,check later\n"))
    assert entries == [CaptionEntry("Text.", 2, "a.jpg", {})]
    assert codes(found) == [("W111", 1)] and "'notes'" in found[0].message


def test_csv_bad_rows_are_reported_by_line_and_skipped(tmp_path: Path) -> None:
    text = ("filename,caption\na.jpg,Good.\n,No file.\nc.jpg,\nd.jpg,x,extra\nsub/e.jpg,Path.\n\n"
            "f.jpg,\"Two\nlines.\"\n")
    entries, found = read_captions(write(tmp_path, "c.csv", text))
    assert [(e.file, e.line) for e in entries] == [("a.jpg", 2), ("f.jpg", 8)]
    assert entries[1].text == "Two\nlines."
    assert codes(found) == [("E107", 3), ("E107", 4), ("E107", 5), ("E107", 6), ("W102", 7), ("W110", 8)]


def test_csv_duplicate_header_column_is_e107(tmp_path: Path) -> None:
    entries, found = read_captions(write(tmp_path, "c.csv", "filename,caption,Caption\na.jpg,x,y\n"))
    assert entries == [] and codes(found) == [("E107", 1)] and "more than once" in found[0].message


def test_non_utf8_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "filename,caption\na.jpg,Caf\xe9.\n".encode("cp1252"))
    with pytest.raises(CollectionError) as info:
        read_captions(path)
    assert info.value.issues[0].line == 2 and "c.csv" in info.value.message


def test_csv_column_cannot_claim_provenance(tmp_path: Path) -> None:
    """Where a value came from is the packager's record; a caption file cannot set it."""
    entries, found = read_captions(write(tmp_path, "c.csv", "filename,caption,provenance\na.jpg,Text.,archivist\n"))
    assert entries == [CaptionEntry("Text.", 2, "a.jpg", {})]
    assert codes(found) == [("W111", 1)] and "'provenance'" in found[0].message


# --- strict CSV (issue 12, deliverable 2): never a caption merged with the rows after it ------------

@pytest.mark.parametrize("text, line, words", [
    # an unclosed quote swallowed the following rows into one caption, exit 0 and a VALID bag
    ('filename,caption\na.jpg,"Open quote never closed\nb.jpg,Second\nc.jpg,Third\n', 2,
     "the quote opened in the record on line 2 is never closed, so every line after it would become part of one "
     "caption; close it"),
    ('filename,caption\na.jpg,"Open quote\nb.jpg,Second\nc.jpg,"Third"\nd.jpg,Fourth\n', 2,
     "the quote opened in the record on line 2 does not close until line 4, so lines 3-4 would become part of "
     "one caption; close it on line 2"),
    ('filename,caption\na.jpg,"Open quote\nb.jpg,Second caption"\nc.jpg,Third\n', 2,
     "the record on line 2 runs on over several lines, and a line inside it reads as a row of its own "
     "('b.jpg,Second caption'): a quote is probably left open"),
    # an unquoted caption starting with a quoted phrase lost its quotes without a word
    ('filename,caption\na.jpg,"Sharp Eyes" cameras watch the street\nb.jpg,Fine\n', 2,
     "line 2: a cell starts with a quote that does not close at the end of the cell "
     "('a.jpg,\"Sharp Eyes\" cameras watch the street'); a caption that begins with a quoted phrase must be "
     'quoted as a whole, with its own quotes written twice: """Sharp Eyes"" cameras ..."'),
])
def test_a_quote_left_open_or_half_quoted_is_an_error_naming_the_line(tmp_path: Path, text: str, line: int,
                                                                       words: str) -> None:
    entries, found = read_captions(write(tmp_path, "captions.csv", text))
    errors = [i for i in found if i.code == "E107"]
    assert [i.line for i in errors] == [line]
    assert words in errors[0].message
    assert all("\n" not in e.text for e in entries)  # no caption holds another row
    assert all(e.line != line for e in entries)


def test_the_rows_after_a_half_quoted_caption_are_still_read(tmp_path: Path) -> None:
    text = 'filename,caption\na.jpg,"Sharp Eyes" cameras\nb.jpg,Second\nc.jpg,Third\n'
    entries, found = read_captions(write(tmp_path, "captions.csv", text))
    assert [(e.line, e.file, e.text) for e in entries] == [(3, "b.jpg", "Second"), (4, "c.jpg", "Third")]
    assert [i.code for i in found] == ["E107"]


def test_quoted_captions_with_line_breaks_and_doubled_quotes_are_read_as_written(tmp_path: Path) -> None:
    text = ('filename,caption\na.jpg,"Line one\nline two, with a comma"\n'
            'b.jpg,"""Sharp Eyes"" cameras watch the street"\nc.jpg,Plain\n')
    entries, found = read_captions(write(tmp_path, "captions.csv", text))
    assert [(e.line, e.file, e.text) for e in entries] == [
        (2, "a.jpg", "Line one\nline two, with a comma"), (4, "b.jpg", '"Sharp Eyes" cameras watch the street'),
        (5, "c.jpg", "Plain")]
    assert [i.code for i in found] == ["W110"]  # the line break is kept and said


@pytest.mark.parametrize("row, words", [
    ("../outside.jpg,Escapes.", "line 2: filename '../outside.jpg' must be a plain file name in the image folder"),
    ("sub/inner.jpg,A path.", "line 2: filename 'sub/inner.jpg' must be a plain file name in the image folder"),
    ("a.jpg,One,extra", "line 2 has 3 values but the header has 2"),
])
def test_a_row_that_cannot_be_used_is_an_error_naming_its_line(tmp_path: Path, row: str, words: str) -> None:
    entries, found = read_captions(write(tmp_path, "captions.csv", f"filename,caption\n{row}\nb.jpg,Fine.\n"))
    assert [(e.line, e.file) for e in entries] == [(3, "b.jpg")]
    assert [(i.code, i.line) for i in found] == [("E107", 2)] and words in found[0].message
