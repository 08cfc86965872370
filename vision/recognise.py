"""What an object is and what colour it is, read from its crop's embedding and its pixels.

The detector finds and outlines objects; the recogniser names them. It is a set of linear
heads (multinomial logistic regression) over two inputs the photo pipeline already has for
every object (:mod:`vision.analyse`):

- the masked crop's EfficientNet-Lite0 embedding (1280 floats, :mod:`vision.embed`), for the
  detector class (``class``, the 12 classes of :mod:`vision.classes`) and the fine category
  (``fine``: the taxonomy leaf, e.g. ``dress``, ``shirt``, ``sneakers``);
- the masked pixels' colour description (:func:`vision.colour.colour_features`) together with
  the embedding, for the catalog colour (``colour``: the graph's Colour ids). The colour family's
  probability is the sum of its shades' (``p(f) = Σ_{s ∈ f} p(s)``), so family and shade agree.

Each head computes ``p = softmax(W · (x − μ) / σ + b)`` with the standardisation ``μ, σ`` fitted
on the training photos. The weights live in one ``.npz`` beside the detector
(``vision/models/recogniser.npz``) with the label lists and how they were made in its ``meta``;
:mod:`vision.recogniser_training` makes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import InputError

RECOGNISER_FILE = Path(__file__).resolve().parent / "models" / "recogniser.npz"
HEADS = ("class", "fine", "colour")


@dataclass(frozen=True)
class LinearHead:
    """One softmax head: ``p = softmax(W · (x − mean) / scale + bias)`` over ``labels``."""

    labels: tuple[str, ...]
    mean: NDArray[np.float32]
    scale: NDArray[np.float32]
    weights: NDArray[np.float32]  # (labels, inputs)
    bias: NDArray[np.float32]  # (labels,)

    def probabilities(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """``(N, labels)`` class probabilities of the ``(N, inputs)`` rows ``x``."""
        z = ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.weights.T.astype(np.float64) + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Recognition:
    """What the recogniser says of one object, each answer with its probability.

    ``colour_family`` is the family (``blue`` for ``navy``) whose shades' probabilities sum highest.
    """

    class_name: str
    class_confidence: float
    fine: str
    fine_confidence: float
    colour: str
    colour_confidence: float
    colour_family: str
    colour_family_confidence: float


class Recogniser:
    """The recogniser's heads, and the colour families of its shades; build it with :meth:`load`."""

    def __init__(
        self, heads: Mapping[str, LinearHead], families: Mapping[str, str], meta: Mapping[str, object]
    ) -> None:
        missing = [h for h in HEADS if h not in heads]
        if missing:
            raise ValueError(f"a recogniser needs the heads {', '.join(HEADS)}; missing {', '.join(missing)}")
        self.heads = dict(heads)
        self.families = dict(families)
        self.meta = dict(meta)
        colours = self.heads["colour"].labels
        self._family_labels = tuple(sorted({self.families.get(c, c) for c in colours}))
        index = {f: i for i, f in enumerate(self._family_labels)}
        self._family_of = np.array([index[self.families.get(c, c)] for c in colours])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{h}={len(self.heads[h].labels)}" for h in HEADS)
        return f"Recogniser({sizes}, version={self.version!r})"

    @property
    def version(self) -> str:
        """The weights' id, ``recogniser@<12 hex>`` (stored on every Detection it names)."""
        return str(self.meta.get("version", "recogniser"))

    @classmethod
    def load(cls, path: Path | None = None) -> Recogniser:
        """The recogniser saved at ``path`` (default: the shipped one) by :meth:`save`.

        Raises:
            InputError: the file is missing or is not a recogniser.
        """
        path = path or RECOGNISER_FILE
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                heads = {
                    h: LinearHead(
                        tuple(meta["labels"][h]),
                        data[f"{h}.mean"],
                        data[f"{h}.scale"],
                        data[f"{h}.weights"],
                        data[f"{h}.bias"],
                    )
                    for h in HEADS
                }
        except (OSError, KeyError, ValueError) as e:
            raise InputError(f"cannot load the recogniser from {path}: {e}") from e
        return cls(heads, meta.get("families", {}), meta)

    def save(self, path: Path) -> Path:
        """Write the heads and ``meta`` (with the label lists and families) to ``path`` (``.npz``)."""
        arrays: dict[str, NDArray[np.float32]] = {}
        for h, head in self.heads.items():
            arrays.update(
                {f"{h}.mean": head.mean, f"{h}.scale": head.scale, f"{h}.weights": head.weights, f"{h}.bias": head.bias}
            )
        meta = {
            **self.meta,
            "labels": {h: list(head.labels) for h, head in self.heads.items()},
            "families": self.families,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)  # type: ignore[arg-type]
        return path

    def family_probabilities(self, colour: NDArray[np.float64]) -> tuple[tuple[str, ...], NDArray[np.float64]]:
        """The family labels and ``(N, families)`` probabilities, summed over each family's shades."""
        out = np.zeros((colour.shape[0], len(self._family_labels)))
        np.add.at(out.T, self._family_of, colour.T)
        return self._family_labels, out

    @property
    def detector_weight(self) -> float:
        """How much the detector's own class counts in the class answer (``w`` of :meth:`probabilities`)."""
        return float(self.meta.get("detectorWeight", 0.0))  # type: ignore[arg-type]

    def probabilities(
        self,
        embeddings: NDArray[np.floating],
        colour_features: NDArray[np.floating],
        detected: Sequence[tuple[str, float]] | None = None,
    ) -> dict[str, NDArray[np.float64]]:
        """Per head, ``(N, labels)`` probabilities for N objects' embeddings and colour features.

        With ``detected`` (each object's detector class and confidence), the class head's answer
        takes the detector in: ``p'(k) ∝ p(k) · exp(w · conf · [k = detector's class])``, ``w`` the
        :attr:`detector_weight` chosen when training (0: the detector's class is not used).
        """
        both = np.concatenate([colour_features, embeddings], axis=1)
        classes = self.heads["class"].probabilities(embeddings)
        w = self.detector_weight
        if detected is not None and w > 0:
            index = {name: i for i, name in enumerate(self.heads["class"].labels)}
            for row, (name, confidence) in enumerate(detected):
                if name in index:
                    classes[row, index[name]] *= np.exp(w * confidence)
            classes /= classes.sum(axis=1, keepdims=True)
        return {
            "class": classes,
            "fine": self.heads["fine"].probabilities(embeddings),
            "colour": self.heads["colour"].probabilities(both),
        }

    def recognise(
        self,
        embeddings: NDArray[np.floating],
        colour_features: NDArray[np.floating],
        detected: Sequence[tuple[str, float]] | None = None,
    ) -> list[Recognition]:
        """One :class:`Recognition` per row of ``embeddings`` (``(N, 1280)``) and ``colour_features``
        (``(N, COLOUR_FEATURES)``, :func:`vision.colour.colour_features`), with the detector's
        ``(class, confidence)`` per object where it is known (:meth:`probabilities`)."""
        if embeddings.shape[0] == 0:
            return []
        p = self.probabilities(embeddings, colour_features, detected)
        families, family_p = self.family_probabilities(p["colour"])
        out = []
        for i in range(embeddings.shape[0]):
            c, f, s, g = (int(np.argmax(a[i])) for a in (p["class"], p["fine"], p["colour"], family_p))
            out.append(
                Recognition(
                    self.heads["class"].labels[c],
                    round(float(p["class"][i, c]), 4),
                    self.heads["fine"].labels[f],
                    round(float(p["fine"][i, f]), 4),
                    self.heads["colour"].labels[s],
                    round(float(p["colour"][i, s]), 4),
                    families[g],
                    round(float(family_p[i, g]), 4),
                )
            )
        return out
