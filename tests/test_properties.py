"""Property-based tests (hypothesis): the promises about text and names hold for any input.

1. Any Unicode caption, embedded as an item's description, title and headline
   through the package's own path (:func:`packager.metadata.text.clean_record`,
   :func:`packager.metadata.crosswalk.to_tags`, :func:`packager.embed.batch.embed_batch`)
   into a real JPEG with the real ExifTool, reads back as:

   * XMP: the caption after the one documented normalisation, and nothing else.
     The rule (``packager/metadata/text.py``, and the message of W311): XML 1.0
     cannot carry the C0 control characters other than TAB, LF and CR
     (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F), lone surrogates, or
     U+FFFE/U+FFFF; each of these becomes U+FFFD, in every copy, and is
     reported as W311 with the count. Everything else is kept as it is: DEL and
     the C1 controls (U+007F-U+009F), bidi controls, line and paragraph
     separators, byte order marks, other noncharacters, combining marks without
     a base, leading and trailing white space. No Unicode normalisation (NFC)
     is applied. (README.md and docs/ do not state this rule yet.)
   * IIM: the longest prefix of that text whose UTF-8 encoding fits the
     dataset's byte limit from the crosswalk (Caption-Abstract 2000,
     Headline 256, ObjectName 64), so it ends on a character boundary; each
     clipping reported as W301.
   * EXIF ImageDescription: the whole text, as XMP (the crosswalk clips only IIM).

2. Any list of file names a Linux file system accepts, made into a collection
   (small JPEGs, a captions CSV naming each) and bagged with
   :func:`packager.pipeline.bagging.build_bag`, gives either a valid bag whose
   payload holds each image under its own name and nothing else, or no bag and,
   for every name the run did not take, an issue with a code that names it.
   A name is refused up front, while the collection is read (E1xx), never by a
   failure while embedding, writing or checking; names with none of the
   documented faults (control characters or U+FFFE/U+FFFF: E112, over 242
   bytes: E114, alike in case, Unicode spelling or white space at the ends:
   E106, a backslash: E107, hidden) are always bagged.

Examples are drawn with a fixed seed and no example database, so every run
(and CI) tries the same inputs.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from packager.collection.scan import shown_name
from packager.embed.batch import Job, embed_batch
from packager.embed.exiftool import ExifTool
from packager.errors import PackagerError
from packager.metadata import crosswalk, tagvalues, text
from packager.model import ERROR, Issue, ItemResult, Record
from packager.pipeline.bagging import build_bag

from .conftest import write_csv_collection

SEED = 20240612
COMMON = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                  phases=(Phase.explicit, Phase.generate, Phase.shrink),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                         HealthCheck.function_scoped_fixture])


def examples(count: int) -> settings:
    """The shared settings with ``count`` examples."""
    return settings(COMMON, max_examples=count)


#: The fields a caption is embedded as here, each with its homes taken from the crosswalk.
CAPTION_FIELDS = ("description", "title", "headline")
#: The IIM limits the crosswalk must keep (IIM 4.2 datasets 2:120, 2:105, 2:05).
IIM_BYTES = {"description": 2000, "headline": 256, "title": 64}


# --- the oracles: the documented rules, written out independently of the code under test ---

def documented_storable(value: str) -> str:
    """The normalisation text.py documents: C0 controls but TAB/LF/CR, surrogates and U+FFFE/U+FFFF
    become U+FFFD; every other character stays."""
    def keep(c: str) -> bool:
        n = ord(c)
        return not ((n < 0x20 and c not in "\t\n\r") or 0xD800 <= n <= 0xDFFF or n in (0xFFFE, 0xFFFF))
    return "".join(c if keep(c) else "\ufffd" for c in value)


def longest_prefix(value: str, limit: int) -> str:
    """The longest prefix of ``value`` (whole characters) whose UTF-8 encoding has at most ``limit`` bytes."""
    size = 0
    for n, c in enumerate(value):
        size += len(c.encode("utf-8"))
        if size > limit:
            return value[:n]
    return value


# --- captions ---

C0 = [chr(n) for n in range(0x20)]
C1 = ["\x7f"] + [chr(n) for n in range(0x80, 0xA0)]
BIDI = [chr(n) for n in itertools.chain(range(0x202A, 0x202F), range(0x2066, 0x206A))] + ["\u200e", "\u200f"]
COMBINING = ["\u0301", "\u0308", "\u0327", "\u20dd", "\u302a", "\U0001d165"]
ODD = ["\ufeff", "\ufffe", "\uffff", "\ufffd", "\ufdd0", "\U0001fffe", "\U0010ffff", "\u2028", "\u2029", "\xa0",
       "\u200b", "\u200d", "\u3000", "\u0085"]
WIDE = ["\U0001f4f7", "\U0001f441\ufe0f", "\U0001f469\u200d\U0001f4bb", "\U0001f44d\U0001f3fd", "\U0001f1e8\U0001f1f3",
        "\u76d1\u63a7", "\u5317\u4eac", "\U00020000", "\uac00", "e\u0301", "\u00e9", "\u0645\u0631\u062d\u0628\u0627"]
LOOKALIKES = ["base64:", "base64:aGVsbG8=", "1.50", "True", "-all=", "\n-o\n", "<x>&amp;</x>", "]]>", '"', "\\", ";",
              " ", "  ", "\r\n", "\t", "x-default", "{n}", "%s"]
TOKENS = C0 + C1 + BIDI + COMBINING + ODD + WIDE + LOOKALIKES
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # every code point a str can carry in UTF-8


def _caption_strategy() -> st.SearchStrategy[str]:
    pieces = st.lists(st.one_of(st.text(ANY_CHARACTER, max_size=12), st.sampled_from(TOKENS)), max_size=30)
    mixed = pieces.map("".join)
    # ASCII up to just short of a limit, then multi-byte characters: the cut falls inside one.
    edge = st.tuples(st.sampled_from(sorted(IIM_BYTES.values())), st.integers(-6, 2),
                     st.lists(st.sampled_from(WIDE + ["\u00e9", "\u0800", "\U0010fffd"] + C0[:3]), min_size=1,
                              max_size=6)).map(lambda t: "x" * (t[0] + t[1]) + "".join(t[2]))
    # Very long: a drawn piece repeated to thousands of characters (XMP beyond one JPEG segment too).
    long = st.tuples(mixed, st.integers(50, 2000)).map(lambda t: ((t[0] or "x") * t[1])[:12000])
    return st.one_of(st.text(ANY_CHARACTER, max_size=200), mixed, edge, long)


CAPTIONS = _caption_strategy()


def small_jpeg(path: Path, seed: int = SEED, size: tuple[int, int] = (24, 16)) -> Path:
    """A real JPEG with random pixels from a fixed seed, no metadata."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(size[0] * size[1])])
    image.save(path, "JPEG", quality=80)
    return path


@pytest.fixture(scope="module")
def et() -> Iterator[ExifTool]:
    with ExifTool() as tool:
        yield tool


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("properties")


_counter = itertools.count()


def _fresh(workspace: Path) -> Path:
    folder = workspace / f"example-{next(_counter)}"
    folder.mkdir()
    return folder


def test_crosswalk_limits_are_the_iim_limits() -> None:
    cw = crosswalk.load()
    for name, limit in IIM_BYTES.items():
        m = cw.by_field(name)
        assert m.iim_bytes == limit, name
        assert tagvalues.IIM_LIMITS[m.iim.split(":", 1)[1]] == limit, name
    assert cw.by_field("description").exif == "IFD0:ImageDescription"
    assert not cw.by_field("title").exif and not cw.by_field("headline").exif


def test_the_oracles_say_what_they_mean() -> None:
    assert (documented_storable("a\x00\t\n\r\x1f\x7f\x85\ufffe\uffff\ufdd0")
            == "a\ufffd\t\n\r\ufffd\x7f\x85\ufffd\ufffd\ufdd0")
    assert longest_prefix("ab\u00e9", 3) == "ab" and longest_prefix("ab\u00e9", 4) == "ab\u00e9"
    assert longest_prefix("\U0001f4f7" * 3, 11) == "\U0001f4f7" * 2


@pytest.mark.parametrize("value, limit", [("x" * 63 + "\u00e9", 64), ("x" * 1998 + "\U0001f4f7", 2000),
                                          ("\u76d1" * 90, 256), ("", 64), ("x" * 64, 64)])
def test_clip_utf8_is_the_longest_whole_character_prefix(value: str, limit: int) -> None:
    assert crosswalk.clip_utf8(value, limit) == longest_prefix(value, limit)


@examples(300)
@given(value=CAPTIONS, limit=st.sampled_from([1, 2, 3, 4, 32, 64, 256, 2000]))
def test_clip_utf8_for_any_text(value: str, limit: int) -> None:
    clipped = crosswalk.clip_utf8(value, limit)
    assert clipped == longest_prefix(value, limit)
    assert len(clipped.encode("utf-8")) <= limit


@examples(300)
@given(value=CAPTIONS)
def test_storable_text_is_the_documented_normalisation(value: str) -> None:
    assert text.storable_text(value) == documented_storable(value)


def _embedded(et: ExifTool, folder: Path, caption: str) -> tuple[dict[str, Any], list[Issue]]:
    """The caption embedded as a fresh JPEG's description, title and headline the way a bag run
    does it; ExifTool's reading of the copy, and the item's issues."""
    original = small_jpeg(folder / "original.jpg")
    staged = folder / "staged" / "item.jpg"
    staged.parent.mkdir()
    record = Record(identifier="item", file="item.jpg", description=caption, title=caption, headline=caption)
    record, cleaned = text.clean_record(record)
    tags, clipped = crosswalk.to_tags(record)
    item = ItemResult(identifier="item", file="item.jpg", record=record, issues=tuple(cleaned + clipped), tags=tags)
    (done,) = embed_batch(Job((item,), (str(original),), (str(staged),)), et)
    return et.read(staged), list(done.item.issues)


@examples(80)
@given(caption=CAPTIONS)
def test_any_caption_reads_back_as_documented(et: ExifTool, workspace: Path, caption: str) -> None:
    read, found = _embedded(et, _fresh(workspace), caption)
    stored = documented_storable(caption)
    errors = [(i.code, i.message) for i in found if i.severity == ERROR]
    assert errors == []
    cw = crosswalk.load()
    for name in CAPTION_FIELDS:
        m = cw.by_field(name)
        assert m.iim_bytes is not None
        want = {m.xmp: stored, m.iim: longest_prefix(stored, m.iim_bytes)}
        if m.exif:
            want[m.exif] = stored
        for tag, value in want.items():
            assert read.get(tag, "") == value, (name, tag)  # an empty value is not written at all
        replaced = sum(a != b for a, b in zip(caption, stored, strict=True))
        w311 = [i for i in found if i.code == "W311" and i.field == name]
        assert len(w311) == (1 if replaced else 0), name
        assert all(f" {replaced} character(s)" in i.message for i in w311)
        w301 = [i for i in found if i.code == "W301" and i.field == name]
        assert len(w301) == (1 if len(stored.encode("utf-8")) > m.iim_bytes else 0), name
    assert {i.code for i in found} <= {"W301", "W311"}, [(i.code, i.message) for i in found]


# --- file names ---

#: Pieces that make names hard: composed letters (with an NFD form), case pairs that fold
#: unusually, leading dots and dashes, white space, controls, characters other systems refuse.
NAME_PIECES = ["\u00e9", "e\u0301", "\u00fc", "\u00c5", "\ud55c", "\u00df", "SS", "\u0130", "\u01c5", "\u03a3", "\u03c2",
               "\ufb01", ".", "..", "-", "--", " ", "  ", "%", "%25", "\\", ":", "*", "?", '"', "<", "|", "#", "~", "'",
               ",", ";", "=", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\u202e", "\u200b", "\ufeff", "\xa0",
               "\u2028", "\ufffe", "\uffff", "\ufdd0", "\U0001f4f7", "\u76d1\u63a7", "_exiftool_tmp", "data",
               "manifest-sha256.txt"]
NAME_CHARACTER = st.characters(exclude_categories=("Cs",), exclude_characters="/\x00")
NAME_MAX = 255  # bytes of one name on Linux file systems


def _fits(name: str) -> bool:
    return 0 < len(name.encode("utf-8")) <= NAME_MAX and "/" not in name and "\x00" not in name


def _name_strategy() -> st.SearchStrategy[str]:
    stem = st.lists(st.one_of(st.text(NAME_CHARACTER, min_size=1, max_size=8), st.sampled_from(NAME_PIECES)),
                    min_size=1, max_size=5).map("".join)
    long = st.tuples(st.sampled_from(["a", "\u00e9", "e\u0301", "\u76d1", "\U0001f4f7", "A b"]),
                     st.integers(30, 130)).map(lambda t: t[0] * t[1])
    start = st.sampled_from(["", "", "", ".", "-", "--", " ", "#"])
    suffix = st.sampled_from([".jpg", ".JPG", ".jpeg", ".Jpeg"])
    names = st.tuples(start, st.one_of(stem, stem, stem, stem, stem, long), suffix).map("".join)
    return names.map(lambda n: n if _fits(n) else n.encode("utf-8")[-NAME_MAX:].decode("utf-8", "ignore")).filter(
        lambda n: _fits(n) and n not in (".", ".."))


FILE_NAME = _name_strategy()
TWINS = {"NFD": lambda n: unicodedata.normalize("NFD", n), "NFC": lambda n: unicodedata.normalize("NFC", n),
         "upper": str.upper, "lower": str.lower, "swapcase": str.swapcase}


@st.composite
def name_lists(draw: st.DrawFn) -> list[str]:
    """One to six distinct names, some with a twin in another Unicode spelling or case."""
    names = draw(st.lists(FILE_NAME, min_size=1, max_size=4))
    for name in list(names):
        twin = draw(st.sampled_from([None, None, None, *sorted(TWINS)]))
        if twin is not None:
            names.append(TWINS[twin](name))
    unique = list(dict.fromkeys(n for n in names if _fits(n)))
    return unique[:6]


def make_collection(root: Path, names: list[str]) -> Path:
    """A collection of one small JPEG per name and a captions CSV (written by the csv module) naming each."""
    images = root / "images"
    images.mkdir(parents=True)
    for n, name in enumerate(names):
        small_jpeg(images / name, seed=SEED + n, size=(16, 16))
    return write_csv_collection(
        root, ((name, f"Photograph number {n} of the names collection.") for n, name in enumerate(names)),
        "names", "Names")


def _issues_of(run: Any) -> list[Issue]:
    found = list(run.extraction.issues) + [i for item in run.items for i in item.issues] + list(run.bag_issues)
    return found + (list(run.validation.problems) if run.validation is not None else [])


def _names_it(issue: Issue, name: str) -> bool:
    """True when the issue names the file: as it is, with its control characters escaped, as a
    Python literal (``{name!r}`` in a template doubles a backslash), or as the captions CSV gives it
    (a cell loses white space at its ends, so E104 and E106 about a caption name it so)."""
    where = f"{issue.path or ''}\n{issue.message}"
    forms = {name, shown_name(name), repr(name)[1:-1], name.strip()} - {""}
    return any(form in where for form in forms)


def _manifest(bag: Path) -> dict[str, str]:
    """manifest-sha256.txt: payload path (CR, LF and % decoded, RFC 8493) -> digest."""
    out = {}
    for line in (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines():
        digest, _, path = line.partition(" ")
        decoded = path.strip(" ").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
        out[decoded] = digest
    return out


@examples(20)
@given(names=name_lists())
@example(names=["a\ufffeb.jpg", "c.jpg"])  # a noncharacter XML cannot carry
@example(names=[".hidden.jpg", " lead.jpg", "trail .jpg", "back\\slash.jpg"])
@example(names=["\u00e9t\u00e9.jpg", "e\u0301te\u0301.jpg", "CASE.jpg", "case.jpg"])
@example(names=["line\nbreak.jpg", "esc\x1b[31m.jpg", "%25.jpg", "-n.jpg", "\u76d1" * 81 + ".jpg"])
def test_any_file_names_are_bagged_under_their_own_names_or_refused_by_name(workspace: Path, names: list[str]) -> None:
    root = make_collection(_fresh(workspace) / "collection", names)
    before = {name: (root / "images" / name).read_bytes() for name in names}
    try:
        run = build_bag(root, root.parent / "bags", workers=1)
    except PackagerError as exc:  # refused as a whole: the refusal must say why, by name
        found, ok, bag = list(exc.issues), False, None
        items: list[ItemResult] = []
    else:
        found, ok, bag, items = _issues_of(run), run.ok, run.bag, list(run.items)
    assert {name: (root / "images" / name).read_bytes() for name in names} == before  # originals untouched
    shown = [(i.code, i.message) for i in found]
    event("a bag" if ok else "no bag: " + " ".join(sorted({i.code for i in found if i.severity == ERROR})))
    assert all(len(i.code) == 4 and i.code[0] in "EWI" and i.code[1:].isdigit() for i in found), shown
    if ok:
        assert bag is not None
        objects = bag / "data" / "objects"
        assert sorted(p.name for p in objects.iterdir()) == sorted(names), shown
        manifest = _manifest(bag)
        for name in names:
            data = (objects / name).read_bytes()
            assert data[:2] == b"\xff\xd8", name
            assert manifest[f"data/objects/{name}"] == hashlib.sha256(data).hexdigest(), name
        assert sorted(p for p in manifest if p.startswith("data/objects/")) == sorted(f"data/objects/{n}" for n in names)
        assert sorted(item.file for item in items) == sorted(names)
        assert not [i for i in found if i.severity == ERROR], shown
        return
    errors = [i for i in found if i.severity == ERROR]
    assert errors, f"no bag and no error to say why: {shown}"
    # A name is refused up front, while the collection is read (codes E0xx-E2xx), never by a failure
    # while embedding (E3xx), writing (E4xx) or checking (E5xx) the bag.
    assert [(i.code, i.message) for i in errors if i.code[1] not in "012"] == [], shown
    clean = {item.file for item in items if not item.failed}
    for name in names:
        assert name in clean or any(_names_it(i, name) for i in found), (name, shown)
    for issue in errors:  # every error is about one of the files
        assert any(_names_it(issue, name) for name in names), (issue.code, issue.message)
    assert bag is None or not (root.parent / "bags" / "names").exists()


def _ordinary(names: list[str]) -> bool:
    """No documented reason to refuse any of the names: no control characters or U+FFFE/U+FFFF (E112),
    at most 242 bytes (E114), no backslash (E107), not hidden, and no two alike in case, Unicode
    spelling or white space at the ends (E106)."""
    keys = {unicodedata.normalize("NFC", n.strip()).casefold() for n in names}
    return len(keys) == len(names) and all(
        len(n.encode("utf-8")) <= 242 and "\\" not in n and not n.startswith(".")
        and not any(unicodedata.category(c) == "Cc" or c in "\ufffe\uffff" for c in n) for n in names)


@examples(8)
@given(names=name_lists().filter(_ordinary))
@example(names=[" lead.jpg", "trail .jpg", "\u3000wide.jpg", "\xa0nbsp.JPG", "e\u0301te\u0301.jpg", "-n.jpeg"])
def test_names_without_a_documented_fault_are_bagged(workspace: Path, names: list[str]) -> None:
    root = make_collection(_fresh(workspace) / "collection", names)
    run = build_bag(root, root.parent / "bags", workers=1)
    assert run.ok, [(i.code, i.message) for i in _issues_of(run) if i.severity == ERROR]
    assert run.bag is not None
    assert sorted(p.name for p in (run.bag / "data" / "objects").iterdir()) == sorted(names)
