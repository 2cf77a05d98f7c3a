"""Pixel-level facts about images, independent of their metadata.

Embedding rewrites a file's metadata segments but must never touch the image
data. ExifTool 12.57 (Debian) cannot hash the image data itself
(``ImageDataHash`` is empty there), so the proof is done here, two ways:

* **JPEG: the image data, not decoded** (values ``jpeg:<sha256>``). A JPEG is
  a chain of marker segments; metadata lives in the application segments
  (APP0-APP13, APP15: JFIF, EXIF, XMP, ICC, MPF, IPTC) and comments (COM),
  and ExifTool rewrites only those. Everything else up to the first EOI is
  the image: the frame header (SOF), quantisation and Huffman tables,
  restart interval, the Adobe APP14 segment (its colour transform changes
  how the samples decode) and every scan with its entropy-coded data. Their
  SHA-256 changes whenever a single coded bit does, and costs one read of the
  file, which the embedder shares with the manifest digests
  (:class:`ImageDataDigest` is fed the same chunks). What follows the first
  EOI (MPF previews, trailers) is metadata that ExifTool manages and may move.
* **Every other format: the decoded pixels** (64 hex digits): Pillow decodes
  every frame and the digest covers what a viewer would decode (mode, size,
  palette, raw samples), so metadata changes never alter it and a single
  changed pixel always does. Bags written before the JPEG proof existed carry
  this form for JPEGs too; :func:`pixel_digest` computes whichever form the
  value it is compared with has.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from packager import issues
from packager.errors import PackagerError

if TYPE_CHECKING:
    from PIL import Image


@cache
def _decode_errors() -> tuple[type[BaseException], ...]:
    """Pillow, made ready to decode, and the errors it raises for files it cannot decode
    (truncated data, unknown format, decompression bombs, missing codecs).

    Imported on first use: the JPEG proof and the BagIt checks need no decoder.
    HEIC and AVIF are decoded through pillow-heif (libheif ships in its wheel),
    so that those formats get the same pixel proof as JPEG and TIFF.
    """
    import pillow_heif
    from PIL import Image, UnidentifiedImageError

    pillow_heif.register_heif_opener()
    return (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError, UnidentifiedImageError)


def _undecodable(path: Path, exc: BaseException) -> PackagerError:
    issue = issues.make("E306", path=str(path), file=str(path), error=f"{type(exc).__name__}: {exc}; {_advice(exc)}")
    return PackagerError(issue.message, [issue])


def _advice(exc: BaseException) -> str:
    """What to do about a file Pillow cannot decode, from what it said."""
    said = str(exc).lower()
    if "truncated" in said or isinstance(exc, EOFError):
        return ("the file ends before its image data does, so it was probably cut off while it was copied or "
                "downloaded: copy it again from where it came")
    if "cannot identify" in said:
        return "the file holds no image data that can be read: replace it with the image"
    if isinstance(exc, OSError) and exc.errno is not None:
        return "make the file readable for this user, or copy it again"
    return "the image data is damaged or in a form we cannot read: open it in an image viewer and replace it"


def _hash_frame(digest: hashlib._Hash, frame: Image.Image) -> None:
    """Feed one decoded frame into ``digest``.

    Mode and size are hashed too, so that the same bytes read as another
    shape or colour model count as different pixels; the palette is part of
    what a ``P``/``PA`` image looks like, so it is hashed with the indices.
    """
    header = f"{frame.mode}\0{frame.size[0]}x{frame.size[1]}\0".encode("ascii")
    digest.update(len(header).to_bytes(4, "big") + header)
    if frame.mode in ("P", "PA"):
        palette = frame.getpalette() or []
        digest.update(bytes(palette))
    data = frame.tobytes()
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


def decoded_digest(path: Path) -> str:
    """SHA-256 (hex) of the decoded pixels of every frame of ``path``.

    Orientation tags and ICC profiles are deliberately not applied: they are
    metadata, and the digest must stay the same when only metadata changes.
    For a JPEG with Multi-Picture (MPF) images only the primary image counts:
    the others are previews that ExifTool manages (and moves) as metadata, and
    a broken MPF index must not make a good JPEG undecodable.
    Raises :class:`PackagerError` carrying issue E306 when Pillow cannot
    decode the file.
    """
    errors = _decode_errors()
    from PIL import Image, ImageSequence

    digest = hashlib.sha256()
    try:
        with Image.open(path) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                digest.update(index.to_bytes(4, "big"))
                _hash_frame(digest, frame)
                if image.format == "MPO":
                    break  # further MPF images are previews kept in metadata (APP2 index + trailer)
    except errors as exc:
        raise _undecodable(path, exc) from exc
    return digest.hexdigest()


JPEG_PREFIX = "jpeg:"
#: In entropy-coded data a 0xFF byte is followed by 0x00 (a stuffed byte) or a restart
#: marker; any other byte after 0xFF (fill bytes aside) starts the next segment.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length
_APP14 = 0xEE


def _metadata_segment(code: int) -> bool:
    """APPn (but APP14, which says how the samples decode) and COM: what ExifTool may rewrite."""
    return (0xE0 <= code <= 0xEF and code != _APP14) or code == 0xFE


class ImageDataDigest:
    """The digest of a JPEG's image data, fed the file's bytes in order, in chunks of any size.

    :meth:`hexdigest` gives ``jpeg:<sha256>`` once the first EOI was seen, and None
    when the bytes are not a JPEG that could be followed to its EOI (the caller
    then falls back to :func:`decoded_digest`).
    """

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._buf = b""
        self._state = "start"  # start, marker, segment, scan, done, invalid
        self._left = 0  # bytes of the current segment still to come
        self._keep = False  # whether the current segment is image data
        self._after = "marker"  # state once the current segment ends

    def feed(self, chunk: bytes) -> None:
        if self._state in ("done", "invalid"):
            return
        buf = self._buf + chunk if self._buf else bytes(chunk)
        pos = self._step(buf)
        self._buf = buf[pos:]

    def _step(self, buf: bytes) -> int:  # noqa: C901 - one state machine, kept in one place
        pos, end, update = 0, len(buf), self._hash.update
        while pos < end:
            state = self._state
            if state == "start":
                if end - pos < 2:
                    return pos
                if buf[pos:pos + 2] != b"\xff\xd8":
                    self._state = "invalid"
                    return end
                update(buf[pos:pos + 2])
                pos, self._state = pos + 2, "marker"
            elif state == "segment":
                take = min(self._left, end - pos)
                if self._keep:
                    update(buf[pos:pos + take])
                pos, self._left = pos + take, self._left - take
                if self._left == 0:
                    self._state = self._after
            elif state == "scan":
                found = _NEXT_MARKER.search(buf, pos)
                if found is None:
                    stop = end - 1 if buf[end - 1] == 0xFF else end  # a marker may straddle chunks
                    update(buf[pos:stop])
                    return stop
                update(buf[pos:found.start()])
                pos, self._state = found.start(), "marker"
            elif state == "marker":
                if end - pos < 2:
                    return pos
                if buf[pos] != 0xFF:
                    self._state = "invalid"
                    return end
                code = buf[pos + 1]
                if code == 0xFF:  # fill byte before a marker
                    pos += 1
                elif code == 0xD9:  # EOI: the image ends here
                    update(buf[pos:pos + 2])
                    self._state = "done"
                    return end
                elif code in _STANDALONE:
                    update(buf[pos:pos + 2])
                    pos += 2
                elif code in (0x00, 0xD8):
                    self._state = "invalid"
                    return end
                else:
                    if end - pos < 4:
                        return pos
                    length = int.from_bytes(buf[pos + 2:pos + 4], "big")
                    if length < 2:
                        self._state = "invalid"
                        return end
                    self._keep = not _metadata_segment(code)
                    self._left, self._state = length + 2, "segment"
                    self._after = "scan" if code == 0xDA else "marker"
            else:
                return end
        return pos

    @property
    def finished(self) -> bool:
        """True once the EOI was seen or the bytes proved not to be a JPEG: more data changes nothing."""
        return self._state in ("done", "invalid")

    def hexdigest(self) -> str | None:
        return JPEG_PREFIX + self._hash.hexdigest() if self._state == "done" else None


def jpeg_digest(path: Path) -> str | None:
    """:class:`ImageDataDigest` of a whole file; None when it is not a JPEG followed to its EOI."""
    digest = ImageDataDigest()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.feed(chunk)
            if digest.finished:
                break
    return digest.hexdigest()


def pixel_digest(path: Path, like: str | None = None) -> str:
    """The proof that ``path``'s image data is what it was: ``jpeg:<sha256>`` for a JPEG, the
    decoded-pixel SHA-256 otherwise (see the module docstring).

    ``like`` is a value to compare with: its form decides which digest is computed
    (a bag written before the JPEG proof carries decoded digests for JPEGs too).
    A file that is not the JPEG ``like`` expects gives a value that cannot match.
    Raises :class:`PackagerError` carrying issue E306 when Pillow cannot decode a
    file whose decoded digest is wanted.
    """
    if like is None or like.startswith(JPEG_PREFIX):
        try:
            found = jpeg_digest(path)
        except OSError as exc:
            raise _undecodable(path, exc) from exc
        if found is not None:
            return found
        if like is not None:
            return JPEG_PREFIX + "not-a-jpeg"
    return decoded_digest(path)


def image_format(path: Path) -> str:
    """Pillow's name of the file's format, e.g. ``JPEG``, ``PNG``, ``WEBP``, ``AVIF``,
    ``HEIF`` (through pillow-heif).

    Only the header is read. :mod:`packager.embed` decides about IPTC-IIM
    from ExifTool's ``FileType`` instead, which names HEIC and AVIF apart.
    """
    errors = _decode_errors()
    from PIL import Image

    try:
        with Image.open(path) as image:
            return str(image.format)
    except errors as exc:
        raise _undecodable(path, exc) from exc
