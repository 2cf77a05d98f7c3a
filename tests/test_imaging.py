"""packager.files.pixels: pixel digests are blind to metadata and see every pixel."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from packager.embed.exiftool import ExifTool
from packager.errors import PackagerError
from packager.files.pixels import ImageDataDigest, decoded_digest, image_format, jpeg_digest, pixel_digest

from .conftest import CONFORMANCE as CONFORMANCE_ROOT

CONFORMANCE = CONFORMANCE_ROOT / "images"


def noise(size: tuple[int, int] = (64, 48), seed: int = 3, mode: str = "RGB") -> Image.Image:
    rnd = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(size[0] * size[1])])
    return image.convert(mode)


def camera_jpeg(path: Path) -> Path:
    exif = Image.Exif()
    exif.update({0x010F: "TestCam", 0x0110: "Model X", 0x0112: 6, 0x011A: 300})
    noise((120, 80)).save(path, quality=88, exif=exif)
    return path


@pytest.fixture(scope="module")
def et():
    with ExifTool() as tool:
        yield tool


def test_embedding_metadata_keeps_the_digest(et: ExifTool, tmp_path: Path) -> None:
    original = camera_jpeg(tmp_path / "original.jpg")
    copy = tmp_path / "copy.jpg"
    shutil.copyfile(original, copy)
    tags = {"XMP-dc:Description": "监控 " * 300, "IPTC:Caption-Abstract": "监控", "IPTC:Keywords": ["a", "b"],
            "IFD0:ImageDescription": "监控", "XMP-iptcExt:LocationShown": [{"City": "Beijing"}]}
    assert not [i for i in et.write(copy, tags) if i.severity == "error"]
    assert copy.read_bytes() != original.read_bytes()
    assert pixel_digest(copy) == pixel_digest(original)
    assert pixel_digest(copy).startswith("jpeg:") and len(pixel_digest(copy)) == 5 + 64
    assert decoded_digest(copy) == decoded_digest(original)
    assert pixel_digest(copy, like="0" * 64) == decoded_digest(copy)  # an older bag's form is honoured


@pytest.mark.parametrize("name", ["exiv2_smiley1.jpg", "exiftool_ExifTool.jpg", "IPTC-PhotometadataRef-Std2023.2.jpg",
                                  "exiftool_RIFF.webp", "exiftool_PNG.png"])
def test_embedding_into_conformance_images_keeps_the_digest(et: ExifTool, tmp_path: Path, name: str) -> None:
    copy = tmp_path / name
    shutil.copyfile(CONFORMANCE / name, copy)
    before = pixel_digest(copy)
    et.write(copy, {"XMP-dc:Description": "new", "IPTC:Caption-Abstract": "new", "IFD0:ImageDescription": "new"})
    assert pixel_digest(copy) == before == pixel_digest(CONFORMANCE / name)


def test_jpeg_proof_reads_the_image_data_in_chunks_of_any_size(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    noise((300, 200)).save(path, quality=80, progressive=True, exif=Image.Exif())
    data = path.read_bytes()
    whole = jpeg_digest(path)
    for size in (1, 2, 3, 1000):
        digest = ImageDataDigest()
        for start in range(0, len(data), size):
            digest.feed(data[start:start + size])
        assert digest.hexdigest() == whole


def _segment(code: int, payload: bytes) -> bytes:
    return bytes([0xFF, code]) + (len(payload) + 2).to_bytes(2, "big") + payload


def test_jpeg_proof_ignores_metadata_segments_and_trailers_but_not_one_coded_bit(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    noise((64, 48)).save(path, quality=90)
    data = path.read_bytes()
    before = jpeg_digest(path)
    # an APP1, a COM and fill bytes before SOF-side segments, and a trailer after EOI
    extra = tmp_path / "b.jpg"
    extra.write_bytes(data[:2] + _segment(0xE1, b"Exif\0\0junk") + _segment(0xFE, b"a comment") + b"\xff\xff"
                      + data[2:] + b"trailer after EOI")
    assert jpeg_digest(extra) == before
    # one bit of the entropy-coded data
    flipped = bytearray(data)
    flipped[-20] ^= 0x04
    (tmp_path / "c.jpg").write_bytes(bytes(flipped))
    assert jpeg_digest(tmp_path / "c.jpg") != before
    # a quantisation table value (a table, not a scan)
    dqt = data.index(b"\xff\xdb")
    changed = bytearray(data)
    changed[dqt + 10] ^= 1
    (tmp_path / "d.jpg").write_bytes(bytes(changed))
    assert jpeg_digest(tmp_path / "d.jpg") != before
    # the Adobe APP14 segment says how samples decode: it counts
    adobe = tmp_path / "e.jpg"
    adobe.write_bytes(data[:2] + _segment(0xEE, b"Adobe\0\x64\0\0\0\0\1") + data[2:])
    assert jpeg_digest(adobe) != before


@pytest.mark.parametrize("content", [b"not a jpeg", b"\xff\xd8\xff\xdb\x00", b"\xff\xd8\xff\xda\x00\x04ab no EOI"])
def test_jpeg_proof_refuses_what_it_cannot_follow_to_the_eoi(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "x.jpg").write_bytes(content)
    assert jpeg_digest(tmp_path / "x.jpg") is None
    assert pixel_digest(tmp_path / "x.jpg", like="jpeg:" + "0" * 64) == "jpeg:not-a-jpeg"


def test_every_conformance_jpeg_gets_the_undecoded_proof() -> None:
    jpegs = sorted(p for p in CONFORMANCE.iterdir() if p.read_bytes()[:2] == b"\xff\xd8")
    assert len(jpegs) >= 5
    assert all((pixel_digest(p) or "").startswith("jpeg:") for p in jpegs)


def test_one_changed_pixel_changes_the_digest(tmp_path: Path) -> None:
    image = noise()
    image.save(tmp_path / "a.png")
    red, green, blue = image.getpixel((10, 20))
    image.putpixel((10, 20), (red, green, blue ^ 1))
    image.save(tmp_path / "b.png")
    assert pixel_digest(tmp_path / "a.png") != pixel_digest(tmp_path / "b.png")


def test_png_text_chunks_do_not_change_the_digest(tmp_path: Path) -> None:
    image = noise()
    image.save(tmp_path / "plain.png")
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "some caption")
    image.save(tmp_path / "text.png", pnginfo=info, compress_level=1)
    assert pixel_digest(tmp_path / "plain.png") == pixel_digest(tmp_path / "text.png")


def test_mode_size_and_palette_are_part_of_the_digest(tmp_path: Path) -> None:
    Image.frombytes("L", (4, 2), bytes(range(8))).save(tmp_path / "wide.png")
    Image.frombytes("L", (2, 4), bytes(range(8))).save(tmp_path / "tall.png")
    assert pixel_digest(tmp_path / "wide.png") != pixel_digest(tmp_path / "tall.png")
    indexed = Image.frombytes("P", (4, 2), bytes([0, 1] * 4))
    indexed.putpalette([0, 0, 0, 255, 255, 255])
    indexed.save(tmp_path / "black-white.png")
    indexed.putpalette([0, 0, 0, 255, 0, 0])
    indexed.save(tmp_path / "black-red.png")
    assert pixel_digest(tmp_path / "black-white.png") != pixel_digest(tmp_path / "black-red.png")


def test_every_frame_counts(tmp_path: Path) -> None:
    frames = [noise((16, 16), seed=s, mode="P") for s in (1, 2)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    frames[1].putpixel((0, 0), (frames[1].getpixel((0, 0)) + 1) % 256)
    frames[0].save(tmp_path / "b.gif", save_all=True, append_images=frames[1:])
    assert pixel_digest(tmp_path / "a.gif") != pixel_digest(tmp_path / "b.gif")


@pytest.mark.parametrize("content", [b"not an image at all", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_undecodable_files_raise_e306(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(content)
    with pytest.raises(PackagerError) as caught:
        pixel_digest(broken)
    assert caught.value.issues[0].code == "E306"
    assert str(broken) in caught.value.message


def test_image_format(tmp_path: Path) -> None:
    assert image_format(camera_jpeg(tmp_path / "x.jpg")) == "JPEG"
    assert image_format(CONFORMANCE / "exiftool_RIFF.webp") == "WEBP"
    assert image_format(CONFORMANCE / "exiftool_PNG.png") == "PNG"
    assert image_format(CONFORMANCE / "exiv2_avif_exif_xmp.avif") == "AVIF"
    assert image_format(CONFORMANCE / "exiv2_Stonehenge.heic") == "HEIF"  # through pillow-heif


def test_heic_gets_the_pixel_proof_too(tmp_path: Path) -> None:
    heic = tmp_path / "s.heic"
    heic.write_bytes((CONFORMANCE / "exiv2_Stonehenge.heic").read_bytes())
    before = pixel_digest(heic)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=Stonehenge", str(heic)],
                   check=True)
    assert pixel_digest(heic) == before
