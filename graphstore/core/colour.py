"""Colour-space conversion for the colour vocabulary's reference values.

sRGB → CIE L*a*b* (D65), the perceptual space in which colour distance is
compared: first linearise each channel, ``c = ((c + 0.055) / 1.055) ** 2.4`` if
``c > 0.04045`` else ``c / 12.92``; then XYZ by the sRGB matrix; then
``L = 116 f(Y/Yn) - 16``, ``a = 500 (f(X/Xn) - f(Y/Yn))``, ``b = 200 (f(Y/Yn) - f(Z/Zn))``
with ``f(t) = t ** (1/3)`` if ``t > (6/29) ** 3`` else ``t / (3 (6/29) ** 2) + 4/29``.
"""

from __future__ import annotations

_WHITE_D65 = (0.95047, 1.0, 1.08883)
_DELTA = 6 / 29


def _linear(channel: float) -> float:
    return ((channel + 0.055) / 1.055) ** 2.4 if channel > 0.04045 else channel / 12.92


def _f(t: float) -> float:
    return t ** (1 / 3) if t > _DELTA**3 else t / (3 * _DELTA**2) + 4 / 29


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """``"#1B2A4A"`` → ``(27, 42, 74)``.

    Raises:
        ValueError: ``value`` is not ``#RRGGBB``.
    """
    text = value.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected a colour as #RRGGBB, got {value!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def rgb_to_lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """8-bit sRGB → CIE L*a*b* under D65, rounded to 2 decimals."""
    r, g, b = (_linear(c / 255.0) for c in rgb)
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    fx, fy, fz = (_f(v / w) for v, w in zip((x, y, z), _WHITE_D65, strict=True))
    return round(116 * fy - 16, 2), round(500 * (fx - fy), 2), round(200 * (fy - fz), 2)


def hex_to_lab(value: str) -> tuple[float, float, float]:
    """``#RRGGBB`` → CIE L*a*b*."""
    return rgb_to_lab(hex_to_rgb(value))
