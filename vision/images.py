"""Image files into RGB arrays, with a status per file instead of an exception.

A folder of real photos always holds a few files that are not what their names say: corrupt
or truncated downloads, text saved as ``.jpg``, CMYK print files, 16-bit scans, PNGs with
transparency, phone photos that are stored sideways with an EXIF orientation tag. Every
such file either becomes a plain ``H×W×3`` uint8 RGB array (with a note saying what was
repaired) or an error status with the reason; nothing here raises on bad input.

Conversions (Pillow):

- EXIF orientation is applied (``ImageOps.exif_transpose``), so width and height are those
  of the photo as a person sees it;
- transparency (RGBA, LA, PA, palette with a transparent index) is composited on white,
  the background of catalog photos: ``out = α·rgb + (1 − α)·255``;
- 16-bit grayscale (``I;16``) is scaled to 8 bits by ``v8 = round(v16 / 257)`` (65535 → 255),
  32-bit integer and float grayscale likewise from their 16-bit or [0, 1] range;
  Pillow itself reduces 48-bit RGB PNGs to 8 bits per channel;
- CMYK, palette, 1-bit, L, YCbCr, LAB and HSV are converted to RGB by Pillow;
- multi-frame files (GIF, TIFF) give their first frame.

Size limits: a file whose header claims more than ``max_pixels`` pixels is refused before it is
decoded (decompression bombs: a few KB of PNG can claim 10¹⁰ pixels); a photo whose longer side
exceeds ``max_side`` is downscaled to it (JPEGs are decoded at a reduced scale directly, by
``Image.draft``), so a 50-megapixel camera file costs little more than a 4-megapixel one.
"""

from __future__ import annotations

import hashlib
import io
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 150_000_000
"""Default refusal limit: pixels the file's header may claim (Pillow's own bomb error is at ~179 M)."""
MAX_SIDE = 2048
"""Default longest side after loading; larger photos are downscaled to it (the detector sees 256-640 px,
and every detection keeps a full-size mask: 2048² pixels × 30 detections is 120 MB)."""

Status = Literal["ok", "error"]

# Pillow's own opener. Ultralytics, once imported, replaces PIL.Image.open with a wrapper that, for
# a file Pillow does not recognise, logs a warning on stdout and imports the optional pi-heif
# (ModuleNotFoundError without it), which would turn "not an image" into a crash. Taken from
# Ultralytics' saved copy if it patched first, else from Pillow before it can.
_pillow_open = getattr(sys.modules.get("ultralytics.utils.patches"), "_image_open", Image.open)
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


@dataclass(frozen=True)
class LoadedImage:
    """One file, loaded or not.

    Attributes:
        path: the file.
        status: ``ok`` (``pixels`` holds the image) or ``error`` (``reason`` says why).
        reason: why the file could not be loaded; None when ``status`` is ``ok``.
        sha256: hex SHA-256 of the file's bytes (the image's id in the graph); None if unreadable.
        pixels: ``H×W×3`` uint8 RGB, oriented and possibly downscaled; None on error.
        original_size: ``(width, height)`` as stored in the file, before orientation and downscaling.
        notes: what was repaired, e.g. ``exif-rotated``, ``alpha-on-white``, ``16-bit``,
            ``cmyk``, ``downscaled from 6000x4000``.
    """

    path: Path
    status: Status
    reason: str | None = None
    sha256: str | None = None
    pixels: NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)
    original_size: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def width(self) -> int:
        """Width of ``pixels`` (0 on error)."""
        return 0 if self.pixels is None else int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        """Height of ``pixels`` (0 on error)."""
        return 0 if self.pixels is None else int(self.pixels.shape[0])


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def load_image(path: Path, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> LoadedImage:
    """Read ``path`` into an RGB uint8 array, or say why it cannot be.

    Args:
        path: an image file (JPEG, PNG, WebP, GIF, BMP, TIFF: whatever Pillow reads).
        max_pixels: refuse files whose header claims more pixels than this (default 150 M).
        max_side: downscale (aspect kept, Lanczos) so the longer side is at most this (default 2048).

    Returns:
        A ``LoadedImage``; ``status`` is ``error`` with a ``reason`` for a missing, unreadable,
        non-image, corrupt, truncated or oversized file. Never raises for bad input.

    Raises:
        ValueError: ``max_pixels`` or ``max_side`` is not positive.
    """
    if max_pixels <= 0 or max_side <= 0:
        raise ValueError(f"max_pixels and max_side must be positive, got {max_pixels} and {max_side}")
    try:
        data = path.read_bytes()
    except OSError as e:
        return LoadedImage(path, "error", f"cannot read file: {e.strerror or e}")
    digest = sha256_bytes(data)
    if not data:
        return LoadedImage(path, "error", "empty file", digest)
    try:
        pixels, original, notes = _decode(data, max_pixels, max_side)
    except _Refused as e:
        return LoadedImage(path, "error", str(e), digest)
    except UnidentifiedImageError:
        return LoadedImage(path, "error", "not an image (format not recognised)", digest)
    except Image.DecompressionBombError as e:
        return LoadedImage(path, "error", f"too many pixels (decompression bomb limit): {e}", digest)
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow reports truncated and corrupt data as OSError ("image file is truncated",
        # "broken data stream"), bad headers as SyntaxError or ValueError.
        return LoadedImage(path, "error", f"corrupt or truncated image: {e}", digest)
    return LoadedImage(path, "ok", None, digest, pixels, original, notes)


class _Refused(Exception):
    """A file that is a valid image but that we do not decode (too large)."""


def _decode(data: bytes, max_pixels: int, max_side: int) -> tuple[NDArray[np.uint8], tuple[int, int], tuple[str, ...]]:
    notes: list[str] = []
    with warnings.catch_warnings():
        # Size limits are ours (max_pixels); Pillow's warning below its own hard limit is noise here.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image: Image.Image = _pillow_open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise _Refused(f"too many pixels: {width}x{height} = {width * height:,} > limit {max_pixels:,}")
        if getattr(image, "n_frames", 1) > 1:
            notes.append("first frame")
        if max(width, height) > max_side and image.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale directly: cheap, and still at least max_side.
            scale = max_side / max(width, height)
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        image.load()
        if image.getexif().get(0x0112, 1) != 1:  # 0x0112: the EXIF Orientation tag; 1 is upright
            notes.append("exif-rotated")
        image = ImageOps.exif_transpose(image)
        rgb = _to_rgb(image, notes)
        if max(rgb.size) > max_side:
            notes.append(f"downscaled from {width}x{height}")
            rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        elif rgb.size != (width, height) and rgb.size != (height, width):
            notes.append(f"downscaled from {width}x{height}")
    return np.asarray(rgb, dtype=np.uint8).copy(), (width, height), tuple(notes)


def _to_rgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """``image`` as an 8-bit RGB image; appends what it converted to ``notes``."""
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in _ALPHA_MODES:
        notes.append("alpha-on-white")
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode.startswith("I;16") or mode in {"I", "F"}:
        notes.append("16-bit" if mode != "F" else "float")
        values = np.asarray(image, dtype=np.float64)
        # I;16 and I hold 0..65535 (16-bit PNG and TIFF); F is either [0, 1] or 0..255.
        if mode == "F":
            scaled = values * 255.0 if values.max(initial=0.0) <= 1.0 else values
        else:
            scaled = values / 257.0
        grey = np.clip(np.round(scaled), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode == "CMYK":
        notes.append("cmyk")
    return image.convert("RGB") if mode != "RGB" else image
