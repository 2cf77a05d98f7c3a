"""What the run that wrote a bag already measured, handed to its own check after writing.

A writer that has just hashed every payload file, read back the tags it
embedded and measured every image's pixel digest need not make the validator
measure them all again: ``validate(bag, proven=Proven(...))`` takes those
measurements in place of reading the files, and runs every check exactly as
a normal validation does (structure, manifests and tag manifests, Payload-Oxum,
profile, every sidecar, and the comparisons of the sidecars with the embedded
tags and with the pixel digests). Only the measuring is skipped, never the
judging: a wrong digest, tag or pixel digest in a :class:`Proven` is reported
like a changed file.

What is not covered is measured as usual: tag files, payload files missing
from ``payload_digests`` (or an algorithm it does not give), and images
missing from ``pixel_digests``. A receiver never passes a :class:`Proven`: it
validates what it received independently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Proven:
    """What the run that wrote the bag already established, so that its own check after writing need not redo it."""

    #: "data/..." -> {algorithm: hex} the writer hashed, for every payload file
    payload_digests: Mapping[str, Mapping[str, str]]
    #: embedded tags of payload images, by bag path, as ExifToolSession.read_many returns them
    #: (the run's read-back after writing): one record per path, in the order given
    tags: Callable[[list[str]], list[dict[str, Any]]]
    #: "data/objects/..." -> pixel digest measured after writing
    pixel_digests: Mapping[str, str]
