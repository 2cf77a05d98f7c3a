"""Photo-like JPEGs for the benchmark corpora: seeded, with camera EXIF.

Real photographs compress to a few megabytes because they hold smooth
gradients, edges and sensor noise; a flat colour compresses to almost
nothing and would make every byte-bound figure meaningless. Each image here
is a colour gradient with shapes and mild noise. Noise is the expensive part
to make, so one noise field is made per size and shifted per file, and the
large images share one base picture, varied per file by a shift, new shapes
and the shifted noise: about 0.3 s per 12-megapixel image, most of it JPEG
encoding.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

CAMERAS = (
    ("NIKON CORPORATION", "NIKON D750", "AF-S NIKKOR 24-70mm f/2.8G ED"),
    ("Canon", "Canon EOS 5D Mark IV", "EF24-105mm f/4L IS II USM"),
    ("SONY", "ILCE-7M3", "FE 24-105mm F4 G OSS"),
    ("FUJIFILM", "X-T3", "XF16-55mmF2.8 R LM WR"),
)
EXPOSURES = (1 / 30, 1 / 60, 1 / 125, 1 / 250, 1 / 500, 1 / 1000)
APERTURES = (2.8, 4.0, 5.6, 8.0, 11.0)
ISOS = (100, 200, 400, 800, 1600, 3200)
EXIF_IFD = 0x8769
NOISE_AMPLITUDE = 24  # grey levels either side; mild, like a mid-ISO sensor
JPEG_QUALITY = 85


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def camera_exif(rng: random.Random, index: int) -> Image.Exif:
    """The EXIF a camera writes: make, model, lens, exposure, dates (no caption metadata)."""
    make, model, lens = CAMERAS[rng.randrange(len(CAMERAS))]
    taken = (f"20{17 + rng.randrange(3)}:{1 + rng.randrange(12):02d}:{1 + rng.randrange(28):02d} "
             f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, 1  # Make, Model, Orientation
    exif[0x0131], exif[0x0132] = "Ver.1.00", taken  # Software, DateTime
    ifd = exif.get_ifd(EXIF_IFD)
    ifd[0x9003] = ifd[0x9004] = taken  # DateTimeOriginal, CreateDate
    ifd[0x829A] = rng.choice(EXPOSURES)  # ExposureTime
    ifd[0x829D] = rng.choice(APERTURES)  # FNumber
    ifd[0x8827] = rng.choice(ISOS)  # ISO
    ifd[0x920A] = float(24 + rng.randrange(47))  # FocalLength
    ifd[0xA434] = lens  # LensModel
    ifd[0xA431] = f"{3000000 + index}"  # BodySerialNumber
    return exif


def noise_field(size: tuple[int, int], seed: int) -> Image.Image:
    """Noise around grey 128 (uniform, +-NOISE_AMPLITUDE levels), the same for the same seed."""
    width, height = size
    raw = Image.frombytes("RGB", size, random.Random(seed).randbytes(width * height * 3))
    scale = NOISE_AMPLITUDE / 128
    return raw.point([round(128 + (v - 128) * scale) for v in range(256)] * 3)


def _gradient(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(size)
    return ImageOps.colorize(ramp, _colour(rng), _colour(rng)).convert("RGB")


def _shapes(rng: random.Random, image: Image.Image, count: int, largest: int) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(count):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randrange(largest // 10, largest), y + rng.randrange(largest // 10, largest))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=_colour(rng))
        else:
            draw.rectangle(box, fill=_colour(rng))


def _with_noise(picture: Image.Image, noise: Image.Image, rng: random.Random) -> Image.Image:
    width, height = picture.size
    shifted = ImageChops.offset(noise, rng.randrange(width), rng.randrange(height))
    return ImageChops.add(picture, shifted, scale=1.0, offset=-128)


@dataclass
class SmallMaker:
    """Each small image drawn from scratch: a gradient, a dozen shapes, softened, noise."""

    size: tuple[int, int]
    seed: int

    def __post_init__(self) -> None:
        self.noise = noise_field(self.size, self.seed)

    def save(self, rng: random.Random, index: int, path: Path) -> None:
        picture = _gradient(rng, self.size)
        _shapes(rng, picture, 12, max(self.size) // 3)
        picture = _with_noise(picture.filter(ImageFilter.BoxBlur(2)), self.noise, rng)
        picture.save(path, "JPEG", quality=JPEG_QUALITY, exif=camera_exif(rng, index))


@dataclass
class LargeMaker:
    """One base picture made once, each file a shifted copy with new shapes and noise."""

    size: tuple[int, int]
    seed: int

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        base = _gradient(rng, self.size)
        _shapes(rng, base, 60, max(self.size) // 4)
        self.base = base.filter(ImageFilter.GaussianBlur(max(1, max(self.size) // 700)))
        self.noise = noise_field(self.size, self.seed)

    def save(self, rng: random.Random, index: int, path: Path) -> None:
        width, height = self.size
        picture = ImageChops.offset(self.base, rng.randrange(width), rng.randrange(height))
        _shapes(rng, picture, 6, max(self.size) // 6)
        picture = _with_noise(picture, self.noise, rng)
        picture.save(path, "JPEG", quality=JPEG_QUALITY, exif=camera_exif(rng, index))
