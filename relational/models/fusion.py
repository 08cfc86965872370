r"""Fusion of a product's inputs into one ``d``-dimensional vector before message passing.

A product has up to three modalities: its learned id embedding ``e`` (always present), its text
embedding ``t`` (384, all-MiniLM-L6-v2 of name and description) and its photo's embedding ``v``
(1280, EfficientNet-Lite0). Text and photo are projected to ``d`` dimensions,
``p_text = W_t t + b_t`` and ``p_image = W_v v + b_v``, and ``p_id = e``. A modality is
*missing* for a product without text or without a photo (``a_m = 0``; ``a_id = 1`` always);
a missing modality must not look like a real one whose vector happens to be zero.

Three ways to fuse the ``M`` modality vectors, compared in the ablation:

- :class:`ConcatFusion`: ``z = W [a_1 p_1; …; a_M p_M] + b``.
- :class:`ProductFusion`: an element-wise product with a residual sum,
  ``z = Σ_m a_m p_m + W_o (⊙_m (a_m p_m + (1 − a_m) 𝟙)) + b_o``.
- :class:`AttentionFusion`: ``z = Σ_m α_m p_m`` with weights ``α = softmax_m(s_m)`` over the
  present modalities, ``s_m = qᵀ tanh(W_a p_m + b_a)``.

Modalities can be switched off (``use_text``, ``use_images``) for the ablation; switched-off
modalities get no parameters and are ignored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal

import torch
from torch import Tensor, nn

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.hetero import IMAGE_DIM, TEXT_DIM

FusionKind = Literal["concat", "product", "attention"]
FUSIONS: tuple[FusionKind, ...] = ("concat", "product", "attention")


class Fusion(nn.Module, ABC):
    """Shared part of the fusions: the projections and the stacking of present modalities.

    Args:
        dim: ``d``, the size of the id embedding and of the output.
        use_text: fuse the text embedding.
        use_images: fuse the photo embedding.
        text_dim: size of a text embedding (384).
        image_dim: size of a photo embedding (1280).
    """

    def __init__(
        self,
        dim: int,
        use_text: bool = True,
        use_images: bool = True,
        text_dim: int = TEXT_DIM,
        image_dim: int = IMAGE_DIM,
    ) -> None:
        super().__init__()
        if dim < 1:
            raise ConfigError(f"fusion dim must be at least 1, got {dim}")
        self.dim = dim
        self.modalities: tuple[str, ...] = ("id",) + ("text",) * use_text + ("image",) * use_images
        self.text_proj = nn.Linear(text_dim, dim) if use_text else None
        self.image_proj = nn.Linear(image_dim, dim) if use_images else None

    def stack(
        self, ident: Tensor, text: Tensor, image: Tensor, has_text: Tensor, has_image: Tensor
    ) -> tuple[Tensor, Tensor]:
        """The modality vectors ``p`` as ``(N, M, d)`` and their presence ``a`` as ``(N, M)`` floats.

        ``ident`` is ``(N, d)``, ``text`` ``(N, 384)``, ``image`` ``(N, 1280)``, ``has_*`` ``(N,)`` booleans.
        Rows of missing modalities are zero vectors.
        """
        vectors, present = [ident], [torch.ones_like(has_text, dtype=ident.dtype)]
        for projection, values, has in ((self.text_proj, text, has_text), (self.image_proj, image, has_image)):
            if projection is not None:
                # Only rows that have the modality are projected: most products have no photo,
                # and the photo projection is the widest matrix of the model.
                projected = ident.new_zeros(ident.shape)
                projected[has] = projection(values[has])
                vectors.append(projected)
                present.append(has.to(ident.dtype))
        return torch.stack(vectors, dim=1), torch.stack(present, dim=1)

    @abstractmethod
    def fuse(self, vectors: Tensor, present: Tensor) -> Tensor:
        """``(N, M, d)`` modality vectors and ``(N, M)`` presence → ``(N, d)``."""

    def forward(self, ident: Tensor, text: Tensor, image: Tensor, has_text: Tensor, has_image: Tensor) -> Tensor:
        """The fused ``(N, d)`` product vectors (arguments as in :meth:`stack`)."""
        return self.fuse(*self.stack(ident, text, image, has_text, has_image))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, modalities={self.modalities}"


class ConcatFusion(Fusion):
    r"""Concatenation then a linear map: ``z = W [a_1 p_1; …; a_M p_M] + b``, ``W ∈ ℝ^{d × Md}``.

    A missing modality is a zero block, which ``W`` maps to nothing, so the output is then the
    linear map of the present blocks plus the bias.
    """

    def __init__(self, dim: int, use_text: bool = True, use_images: bool = True, **dims: int) -> None:
        super().__init__(dim, use_text, use_images, **dims)
        self.out = nn.Linear(dim * len(self.modalities), dim)

    def fuse(self, vectors: Tensor, present: Tensor) -> Tensor:
        return self.out(vectors.flatten(start_dim=1))


class ProductFusion(Fusion):
    r"""Element-wise product of the projections, with a residual sum.

    ``z = Σ_m a_m p_m + W_o (⊙_m (a_m p_m + (1 − a_m) 𝟙)) + b_o``.

    The product ``p_id ⊙ p_text ⊙ p_image`` models interactions (a dimension counts when the id,
    the words and the photo agree), but alone it fails in two ways: one missing modality (no
    photo: a zero vector) would zero the whole product, and freshly initialised projections are
    small, so the product of three is tiny and gradients vanish. Hence a missing modality enters
    the product as the all-ones vector (the identity of ``⊙``), and the plain sum of the present
    modalities is added as a residual, so a product with only its id and text still gets both.
    """

    def __init__(self, dim: int, use_text: bool = True, use_images: bool = True, **dims: int) -> None:
        super().__init__(dim, use_text, use_images, **dims)
        self.out = nn.Linear(dim, dim)

    def fuse(self, vectors: Tensor, present: Tensor) -> Tensor:
        gate = present.unsqueeze(2)
        product = (vectors * gate + (1.0 - gate)).prod(dim=1)
        return vectors.sum(dim=1) + self.out(product)


class AttentionFusion(Fusion):
    r"""Attention over the modality vectors: ``z = Σ_m α_m p_m``.

    ``s_m = qᵀ tanh(W_a p_m + b_a)`` scores each modality (``W_a ∈ ℝ^{d × d}``, ``q ∈ ℝ^d``,
    shared by all products), ``α_m = exp(s_m) / Σ_{m' present} exp(s_{m'})`` for a present
    modality and ``α_m = 0`` for a missing one (its score is masked to ``−∞`` before the softmax),
    so each product's weights sum to 1 over what it has. :meth:`attention` gives the weights, so a
    report can say how much the model leans on text and photos.
    """

    def __init__(self, dim: int, use_text: bool = True, use_images: bool = True, **dims: int) -> None:
        super().__init__(dim, use_text, use_images, **dims)
        self.key = nn.Linear(dim, dim)
        self.query = nn.Parameter(torch.empty(dim))
        nn.init.normal_(self.query, std=dim**-0.5)

    def attention(self, vectors: Tensor, present: Tensor) -> Tensor:
        """The weights ``α``, ``(N, M)``: rows sum to 1, exactly 0 where a modality is missing."""
        scores = torch.tanh(self.key(vectors)) @ self.query
        return torch.softmax(scores.masked_fill(present == 0, float("-inf")), dim=1)

    def fuse(self, vectors: Tensor, present: Tensor) -> Tensor:
        return (self.attention(vectors, present).unsqueeze(2) * vectors).sum(dim=1)


def make_fusion(kind: str, dim: int, use_text: bool = True, use_images: bool = True) -> Fusion:
    """The fusion module named ``kind`` (``concat``, ``product`` or ``attention``) for ``dim``-d outputs.

    Raises:
        ConfigError: ``kind`` is not one of :data:`FUSIONS`.
    """
    classes: dict[str, type[Fusion]] = {
        "concat": ConcatFusion,
        "product": ProductFusion,
        "attention": AttentionFusion,
    }
    if kind not in classes:
        raise ConfigError(f"unknown fusion {kind!r}; known: {', '.join(FUSIONS)}")
    return classes[kind](dim, use_text=use_text, use_images=use_images)
