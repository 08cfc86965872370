"""The dominant colour of the pixels under a mask, matched to the graph's Colour nodes.

Pixels are compared in CIE L*a*b* (D65), where Euclidean distance follows perceived
difference far better than in RGB. The dominant colour is the centre of the largest
cluster of k-means (k = 3) over the masked pixels' L*a*b* values, so shadows and
highlights form their own small clusters instead of shifting the mean. It is then
matched to the reference L*a*b* of each Colour node by CIEDE2000 (ΔE00, Sharma et
al. 2005); ``delta_e`` says how close the match is (below ~5 is a close match).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from skimage.color import deltaE_ciede2000, rgb2lab

from shopgraph.graphstore.core.colour import hex_to_lab
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary

_MAX_PIXELS = 4000
_KMEANS_ITERATIONS = 12


@dataclass(frozen=True)
class ColourMatch:
    """The matched Colour node id, the dominant L*a*b* value, its ΔE00 to the match, and the pixel share."""

    colour: str
    lab: tuple[float, float, float]
    delta_e: float
    share: float


class ColourMatcher:
    """Matches L*a*b* values to reference colours ``{colour id: (L, a, b)}``."""

    def __init__(self, references: Mapping[str, tuple[float, float, float]]) -> None:
        if not references:
            raise ValueError("ColourMatcher needs at least one reference colour")
        self.ids = list(references)
        self._labs = np.array([references[i] for i in self.ids], dtype=np.float64)

    @classmethod
    def from_vocabulary(
        cls, vocab: Vocabulary | None = None, exclude: tuple[str, ...] = ("multi", "transparent")
    ) -> ColourMatcher:
        """References from the shipped colour vocabulary (the same values ``db init`` writes onto Colour nodes).

        ``multi`` and ``transparent`` are excluded: they are not colours a pixel cluster can have.
        """
        vocab = vocab or load_vocabulary()
        return cls({t.id: hex_to_lab(t.hex) for t in vocab.terms["Colour"].values() if t.hex and t.id not in exclude})

    def nearest(self, lab: tuple[float, float, float]) -> tuple[str, float]:
        """The closest reference colour id and its ΔE00 to ``lab``."""
        distances = deltaE_ciede2000(np.broadcast_to(np.array(lab, dtype=np.float64), self._labs.shape), self._labs)
        best = int(np.argmin(distances))
        return self.ids[best], float(distances[best])

    def named(self, colour: str, match: ColourMatch) -> ColourMatch:
        """``match`` (a dominant colour) re-labelled ``colour``, with the ΔE00 of its L*a*b* to that
        colour's reference; ``match`` itself when ``colour`` is not one of the references."""
        if colour not in self.ids:
            return match
        reference = self._labs[self.ids.index(colour)]
        delta = float(deltaE_ciede2000(np.array(match.lab, dtype=np.float64), reference))
        return ColourMatch(colour, match.lab, round(delta, 2), match.share)

    def dominant(self, rgb: NDArray[np.uint8], mask: NDArray[np.bool_], seed: int = 0) -> ColourMatch | None:
        """The dominant colour of ``rgb`` (H×W×3, uint8) where ``mask`` (H×W) is true; None if the mask is empty."""
        pixels = rgb[mask]
        if len(pixels) == 0:
            return None
        rng = np.random.default_rng(seed)
        lab = _sample_lab(pixels, rng)
        centre, share = _largest_cluster(lab, k=min(3, len(lab)), rng=rng)
        colour, delta = self.nearest(centre)
        return ColourMatch(
            colour, (round(centre[0], 2), round(centre[1], 2), round(centre[2], 2)), round(delta, 2), round(share, 4)
        )


def _sample_lab(pixels: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.float64]:
    """L*a*b* of at most ``_MAX_PIXELS`` of the ``(N, 3)`` RGB ``pixels``, drawn without replacement."""
    if len(pixels) > _MAX_PIXELS:
        pixels = pixels[rng.choice(len(pixels), _MAX_PIXELS, replace=False)]
    return np.asarray(rgb2lab(pixels.reshape(-1, 1, 3).astype(np.float64) / 255.0).reshape(-1, 3), dtype=np.float64)


def _largest_cluster(
    points: NDArray[np.float64], k: int, rng: np.random.Generator
) -> tuple[tuple[float, float, float], float]:
    """Lloyd's k-means: the centre of the most populous cluster and its share of the points."""
    centres = points[rng.choice(len(points), k, replace=False)]
    for _ in range(_KMEANS_ITERATIONS):
        labels = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        moved = np.array([points[labels == j].mean(axis=0) if np.any(labels == j) else centres[j] for j in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    counts = np.bincount(labels, minlength=k)
    best = int(np.argmax(counts))
    c = centres[best]
    return (float(c[0]), float(c[1]), float(c[2])), float(counts[best] / len(points))


# Bins of the L*a*b* histogram that describes a masked object's colours (colour_features).
_HIST_L = np.array([0.0, 20.0, 40.0, 60.0, 80.0, 101.0])
_HIST_AB = np.array([-128.0, -40.0, -20.0, -8.0, 0.0, 8.0, 20.0, 40.0, 128.0])
COLOUR_FEATURES = (len(_HIST_L) - 1) * (len(_HIST_AB) - 1) ** 2 + 13
"""Length of :func:`colour_features`' vector."""


def colour_features(rgb: NDArray[np.uint8], mask: NDArray[np.bool_], seed: int = 0) -> NDArray[np.float32]:
    """What a learnt colour model reads from the pixels under ``mask`` (H×W bool) of ``rgb``.

    A joint L*a*b* histogram of up to 4,000 masked pixels (5 lightness × 8 × 8 chroma bins, finer
    near grey, as shares, square-rooted so a small accent still counts), then the masked pixels'
    mean and standard deviation of L*, a*, b* and chroma, the 10th and 90th lightness percentiles,
    and the L*a*b* median of the pixels outside the mask: the photo's background, against which a
    model can correct the light's cast. ``COLOUR_FEATURES`` float32; all zeros for an empty mask.
    """
    out = np.zeros(COLOUR_FEATURES, dtype=np.float32)
    pixels = rgb[mask]
    if len(pixels) == 0:
        return out
    rng = np.random.default_rng(seed)
    lab = _sample_lab(pixels, rng)
    hist, _ = np.histogramdd(lab, bins=(_HIST_L, _HIST_AB, _HIST_AB))
    n_hist = hist.size
    out[:n_hist] = np.sqrt(hist.ravel() / len(lab))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    stats = [*lab.mean(axis=0), chroma.mean(), *lab.std(axis=0), chroma.std(), *np.percentile(lab[:, 0], [10, 90])]
    outside = rgb[~mask]
    if len(outside):
        background = np.median(_sample_lab(outside, rng), axis=0)
    else:
        background = np.array([100.0, 0.0, 0.0])
    # Scaled to about unit range, like the histogram, so one regularisation suits every column.
    out[n_hist:] = np.array([*stats, *background], dtype=np.float64) / 100.0
    return out
