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

    def dominant(self, rgb: NDArray[np.uint8], mask: NDArray[np.bool_], seed: int = 0) -> ColourMatch | None:
        """The dominant colour of ``rgb`` (H×W×3, uint8) where ``mask`` (H×W) is true; None if the mask is empty."""
        pixels = rgb[mask]
        if len(pixels) == 0:
            return None
        rng = np.random.default_rng(seed)
        if len(pixels) > _MAX_PIXELS:
            pixels = pixels[rng.choice(len(pixels), _MAX_PIXELS, replace=False)]
        lab = rgb2lab(pixels.reshape(-1, 1, 3).astype(np.float64) / 255.0).reshape(-1, 3)
        centre, share = _largest_cluster(lab, k=min(3, len(lab)), rng=rng)
        colour, delta = self.nearest(centre)
        return ColourMatch(
            colour, (round(centre[0], 2), round(centre[1], 2), round(centre[2], 2)), round(delta, 2), round(share, 4)
        )


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
