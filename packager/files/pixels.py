"""Pixel-level facts about images, independent of their metadata.

Embedding rewrites a file's metadata segments but must never touch the image
data. ExifTool 12.57 (Debian) cannot hash the image data itself
(``ImageDataHash`` is empty there), so the proof is done here: decode the
pixels with Pillow before and after embedding and compare digests. The digest
covers only what a viewer would decode (mode, size, palette, raw samples of
every frame), so metadata changes never alter it and a single changed pixel
always does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pillow_heif
from PIL import Image, ImageSequence, UnidentifiedImageError

from packager import issues
from packager.errors import PackagerError

# HEIC and AVIF are decoded through pillow-heif (libheif ships in its wheel),
# so that those formats get the same pixel proof as JPEG and TIFF.
pillow_heif.register_heif_opener()

#: Errors Pillow raises for files it cannot decode (truncated data, unknown
#: format, decompression bombs, missing codecs such as HEIC without a plugin).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
                  UnidentifiedImageError)


def _undecodable(path: Path, exc: BaseException) -> PackagerError:
    issue = issues.make("E306", path=str(path), file=str(path), error=f"{type(exc).__name__}: {exc}")
    return PackagerError(issue.message, [issue])


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


def pixel_digest(path: Path) -> str:
    """SHA-256 (hex) of the decoded pixels of every frame of ``path``.

    Orientation tags and ICC profiles are deliberately not applied: they are
    metadata, and the digest must stay the same when only metadata changes.
    For a JPEG with Multi-Picture (MPF) images only the primary image counts:
    the others are previews that ExifTool manages (and moves) as metadata, and
    a broken MPF index must not make a good JPEG undecodable.
    Raises :class:`PackagerError` carrying issue E306 when Pillow cannot
    decode the file.
    """
    digest = hashlib.sha256()
    try:
        with Image.open(path) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                digest.update(index.to_bytes(4, "big"))
                _hash_frame(digest, frame)
                if image.format == "MPO":
                    break  # further MPF images are previews kept in metadata (APP2 index + trailer)
    except _DECODE_ERRORS as exc:
        raise _undecodable(path, exc) from exc
    return digest.hexdigest()


def image_format(path: Path) -> str:
    """Pillow's name of the file's format, e.g. ``JPEG``, ``PNG``, ``WEBP``, ``AVIF``,
    ``HEIF`` (through pillow-heif).

    Only the header is read. :mod:`packager.embed` decides about IPTC-IIM
    from ExifTool's ``FileType`` instead, which names HEIC and AVIF apart.
    """
    try:
        with Image.open(path) as image:
            return str(image.format)
    except _DECODE_ERRORS as exc:
        raise _undecodable(path, exc) from exc
