"""Pairing captions with images: every gap and clash reported naming both sides."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image

from packager.collection.scan import list_images, scan, slug
from packager.errors import CollectionError, ConfigError

from .conftest import COLLECTION

SAMPLE = COLLECTION / "captions.txt"
PATTERN = "Surv - {n:03d}.jpg"


def make_image(path: Path, seed: int) -> Path:
    """A tiny real image with reproducible pixels."""
    rng = random.Random(seed)
    image = Image.new("RGB", (8, 6))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(48)])
    image.save(path, format="PNG" if path.suffix.lower() == ".png" else "JPEG")
    return path


def folder(tmp_path: Path, names: list[str]) -> Path:
    images = tmp_path / "images"
    images.mkdir()
    for n, name in enumerate(names):
        make_image(images / name, seed=n)
    return images


def captions(tmp_path: Path, text: str, name: str = "captions.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_pairs_with_25_images(tmp_path: Path) -> None:
    images = folder(tmp_path, [PATTERN.format(n=n) for n in range(1, 26)])
    items, found = scan(SAMPLE, images, PATTERN)
    assert [i.code for i in found] == ["W101", "W101"]  # only the page leftovers
    assert len(items) == 25
    first, last = items[0], items[-1]
    assert (first.identifier, first.file, first.image, first.line) == ("surv-001", "Surv - 001.jpg",
                                                                      images / "Surv - 001.jpg", 1)
    assert first.source == SAMPLE.name and first.caption.startswith("A police robot")
    assert (last.identifier, last.line) == ("surv-025", 25) and last.caption.startswith("Minutes before")
    assert len({i.identifier for i in items}) == 25


def test_caption_without_image_and_image_without_caption(tmp_path: Path) -> None:
    images = folder(tmp_path, ["img-01.jpg", "img-03.jpg", "stray.png"])
    source = captions(tmp_path, "One.\nTwo.\nThree.\n")
    items, found = scan(source, images, "img-{n:02d}.jpg")
    assert [(i.file, i.image is not None, i.caption) for i in items] == [
        ("img-01.jpg", True, "One."), ("img-02.jpg", False, "Two."), ("img-03.jpg", True, "Three."),
        ("stray.png", True, None)]
    e104, e105 = found
    assert e104.code == "E104" and e104.line == 2
    assert "line 2" in e104.message and str(source) in e104.message
    assert "img-02.jpg" in e104.message and str(images) in e104.message
    assert e105.code == "E105" and "stray.png" in e105.message and str(source) in e105.message
    assert items[3].line is None


def test_hidden_files_other_files_and_subfolders_are_not_images(tmp_path: Path) -> None:
    images = folder(tmp_path, ["a.jpg", ".b.jpg", "c.TIF"])
    (images / "notes.txt").write_text("x")
    (images / "sub").mkdir()
    make_image(images / "sub" / "d.jpg", seed=9)
    (images / "e.JPEG").write_bytes((images / "a.jpg").read_bytes())
    assert list_images(images) == ["a.jpg", "c.TIF", "e.JPEG"]


def test_csv_pairs_by_filename_and_keeps_overrides(tmp_path: Path) -> None:
    images = folder(tmp_path, ["b.jpg", "a.jpg"])
    source = captions(tmp_path, "caption,filename,title\nFirst.,b.jpg,Bee\nSecond.,a.jpg,\n", "c.csv")
    items, found = scan(source, images, None)
    assert found == []
    assert [(i.file, i.caption, i.line, dict(i.overrides)) for i in items] == [
        ("b.jpg", "First.", 2, {"title": "Bee"}), ("a.jpg", "Second.", 3, {})]


def test_csv_duplicate_filename_names_both_lines(tmp_path: Path) -> None:
    images = folder(tmp_path, ["a.jpg"])
    source = captions(tmp_path, "filename,caption\na.jpg,One.\nb.jpg,Two.\nA.JPG,Three.\n", "c.csv")
    items, found = scan(source, images, None)
    e106 = [i for i in found if i.code == "E106"]
    assert len(e106) == 1 and e106[0].line == 4
    assert "line 2" in e106[0].message and "line 4" in e106[0].message and "a.jpg" in e106[0].message
    assert "A.JPG" in e106[0].message and str(source) in e106[0].message
    assert [i.caption for i in items if i.file == "a.jpg"] == ["One."]


def test_images_differing_only_in_case_are_e106(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    make_image(images / "x.jpg", 1)
    try:
        make_image(images / "X.jpg", 2)
    except OSError:  # pragma: no cover - case-insensitive file system
        pytest.skip("file system is case-insensitive")
    if len(list(images.iterdir())) < 2:
        pytest.skip("file system is case-insensitive")
    items, found = scan(captions(tmp_path, "One.\nTwo.\n"), images, "{n}.jpg")
    e106 = [i for i in found if i.code == "E106"]
    assert len(e106) == 1 and "X.jpg" in e106[0].message and "x.jpg" in e106[0].message


def test_case_only_mismatch_pairs_with_a_warning(tmp_path: Path) -> None:
    images = folder(tmp_path, ["SURV - 001.JPG"])
    items, found = scan(captions(tmp_path, "One.\n"), images, PATTERN)
    assert items[0].image == images / "SURV - 001.JPG" and items[0].file == "SURV - 001.JPG"
    assert [i.code for i in found] == ["W111"] and "differs only in case" in found[0].message


def test_missing_source_or_folder_raise_collection_error(tmp_path: Path) -> None:
    images = folder(tmp_path, [])
    with pytest.raises(CollectionError) as info:
        scan(tmp_path / "nope.txt", images, PATTERN)
    assert info.value.issues[0].code == "E108" and "nope.txt" in info.value.message
    with pytest.raises(CollectionError) as info:
        scan(captions(tmp_path, "One.\n"), tmp_path / "nofolder", PATTERN)
    assert info.value.issues[0].code == "E109" and "nofolder" in info.value.message


@pytest.mark.parametrize("pattern", [None, "fixed.jpg", "{m}.jpg", "sub/{n}.jpg"])
def test_line_source_needs_a_usable_pattern(tmp_path: Path, pattern: str | None) -> None:
    with pytest.raises(ConfigError):
        scan(captions(tmp_path, "One.\n"), folder(tmp_path, []), pattern)


def test_slug_is_stable_ascii() -> None:
    assert slug("Surv - 001.jpg") == "surv-001"
    assert slug("Café Noir (2).JPG") == "cafe-noir-2"
    assert slug("北京.jpg") == slug("北京.jpg")
    assert slug("北京.jpg").startswith("item-") and len(slug("北京.jpg")) == 13
    assert slug("北京.jpg") != slug("上海.jpg")


def test_identifier_collisions_get_a_suffix_and_a_warning(tmp_path: Path) -> None:
    images = folder(tmp_path, ["a b.jpg", "a-b.png"])
    items, found = scan(captions(tmp_path, "filename,caption\na b.jpg,One.\na-b.png,Two.\n", "c.csv"), images, None)
    assert [i.identifier for i in items] == ["a-b", "a-b-2"]
    assert [i.code for i in found] == ["W111"] and "a-b.png" in found[0].message


# --- names as archives meet them (issue 12, deliverable 6) -----------------------------------------

NFC, NFD = "\u00fcber.jpg", "u\u0308ber.jpg"  # über.jpg typed on most systems, and as macOS stores it


def test_one_name_in_two_unicode_spellings_is_refused_up_front(tmp_path: Path) -> None:
    """Both spellings were accepted and the bag then failed its own lint (W521)."""
    images = folder(tmp_path, [NFC, NFD])
    if len(list(images.iterdir())) < 2:  # pragma: no cover - a file system that normalises names
        pytest.skip("file system stores one spelling")
    items, found = scan(captions(tmp_path, "filename,caption\nx.jpg,One.\n", "c.csv"), images, None)
    e106 = [i for i in found if i.code == "E106"]
    assert len(e106) == 1
    # listed in code-point order: "u" + U+0308 before U+00FC
    assert e106[0].message.endswith(f"{NFD} and {NFC} in {images} are one name in two Unicode spellings (NFC and "
                                    "NFD); rename one")


def test_a_caption_naming_the_other_unicode_spelling_is_paired_and_said(tmp_path: Path) -> None:
    """A caption naming über.jpg in NFC for a file stored in NFD said only 'expected über.jpg'."""
    images = folder(tmp_path, [NFD])
    items, found = scan(captions(tmp_path, f"filename,caption\n{NFC},One.\n", "c.csv"), images, None)
    assert [(i.file, i.image) for i in items] == [(NFD, images / NFD)]
    assert [i.code for i in found] == ["W111"]
    assert "is the same name in another Unicode spelling (the folder has it in NFD)" in found[0].message


@pytest.mark.parametrize("name, shown", [("two\nlines.jpg", "two\\x0alines.jpg"),
                                         ("ret\rurn.jpg", "ret\\x0durn.jpg"),
                                         ("esc\x1b[31mred.jpg", "esc\\x1b[31mred.jpg")])
def test_control_characters_in_a_name_are_refused_up_front_and_shown_escaped(tmp_path: Path, name: str,
                                                                            shown: str) -> None:
    """A line break in a name passed extract and then stopped bag; escape sequences reached the terminal."""
    images = folder(tmp_path, ["plain.jpg", name])
    items, found = scan(captions(tmp_path, f'filename,caption\nplain.jpg,One.\n"{name}",Two.\n', "c.csv"),
                        images, None)
    e112 = [i for i in found if i.code == "E112"]
    assert len(e112) == 1 and e112[0].message.startswith(f"image name {shown} contains control characters")
    assert "\x1b" not in e112[0].message and "\n" not in e112[0].message and "\r" not in e112[0].message


def test_a_link_leading_out_of_the_image_folder_is_refused(tmp_path: Path) -> None:
    """A symlink pointing outside the collection was followed silently and recorded as if it were inside."""
    images = folder(tmp_path, ["inside.jpg"])
    outside = make_image(tmp_path / "elsewhere.jpg", 9)
    (images / "link-out.jpg").symlink_to(outside)
    (images / "link-in.jpg").symlink_to(images / "inside.jpg")
    source = captions(tmp_path, "filename,caption\ninside.jpg,A.\nlink-out.jpg,B.\nlink-in.jpg,C.\n", "c.csv")
    items, found = scan(source, images, None)
    e113 = [i for i in found if i.code == "E113"]
    assert [i.path for i in e113] == [str(images / "link-out.jpg")]
    assert e113[0].message == (f"image link-out.jpg is a link to {outside.resolve()}, outside the image folder; "
                               f"copy the file into {images} instead, so that the collection holds what it describes")
    assert "link-in.jpg" in [i.file for i in items]  # a link inside the folder is followed


def test_a_name_too_long_for_exiftools_temporary_file_is_refused_up_front(tmp_path: Path) -> None:
    """A legal 250-byte name failed inside ExifTool, whose temporary file adds 13 bytes, without saying why."""
    longest = "a" * 238 + ".jpg"  # 242 bytes: with "_exiftool_tmp", 255
    too_long = "b" * 246 + ".jpg"  # 250 bytes
    images = folder(tmp_path, [longest, too_long])
    items, found = scan(captions(tmp_path, f"filename,caption\n{longest},A.\n{too_long},B.\n", "c.csv"), images, None)
    e114 = [i for i in found if i.code == "E114"]
    assert [i.path for i in e114] == [str(images / too_long)]
    assert "is 250 bytes long" in e114[0].message and "shorten it to 242 bytes or fewer" in e114[0].message


@pytest.mark.parametrize(("name", "said"), [
    (".hidden.jpg", "is there, but a name starting with '.' is a hidden file, which is never packaged"),
    ("scan.gif", "is there, but .gif is not an image type the packager embeds into (.jpg, .jpeg"),
    ("absent.jpg", None),
])
def test_a_caption_naming_a_file_that_is_there_but_not_packaged_says_why(tmp_path: Path, name: str,
                                                                        said: str | None) -> None:
    images = tmp_path / "images"
    images.mkdir()
    if said is not None:
        (images / name).write_bytes(b"\xff\xd8\xff\xe0 stand-in")
    captions = tmp_path / "captions.csv"
    captions.write_text(f"filename,caption\n{name},A caption.\n", encoding="utf-8")
    _items, found = scan(captions, images, None)
    (e104,) = [i for i in found if i.code == "E104"]
    assert e104.line == 2 and f"expected {name} in {images}" in e104.message
    if said is None:
        assert e104.message.endswith(f"expected {name} in {images}")
    else:
        assert said in e104.message
