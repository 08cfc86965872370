r"""PyTorch Geometric's TransE, DistMult and ComplEx with tail-only negatives and all-tail scoring.

Negatives: PyG's ``random_sample`` replaces heads or tails by any entity; in this graph that is
almost always a product (15k products against a few hundred terms), an easy negative that teaches
nothing about which *colour* fits, and replacing the head of ``(p, HAS_BRAND, h-m)`` by another
product is a false negative three times in four (77 % of the catalog is H&M). So the models here
replace the tail only, by a uniformly drawn term of the relation's label, ``negatives`` times per
positive, from a generator seeded with ``seed``.

Each model adds ``tail_scores``: its ``forward`` for every (head, candidate tail) pair at once.
Training and calibration are in :mod:`relational.training.kge`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn.kge import ComplEx, DistMult, TransE

__all__ = ["KGE_CLASSES", "KGEModule", "TailComplEx", "TailDistMult", "TailTransE"]


class _TailNegatives:
    """Replaces ``KGEModel.random_sample``: corrupt the tail with a term of the relation's label."""

    tail_start: Tensor
    tail_size: Tensor
    generator: torch.Generator

    def random_sample(self, head_index: Tensor, rel_type: Tensor, tail_index: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        draw = torch.rand(tail_index.shape, generator=self.generator)
        size = self.tail_size[rel_type]
        tails = self.tail_start[rel_type] + torch.minimum((draw * size).long(), size - 1)
        return head_index, rel_type, tails


class TailTransE(_TailNegatives, TransE):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``-‖ĥ + r - t̂‖_p`` as one distance matrix."""
        head = F.normalize(self.node_emb(heads), p=self.p_norm, dim=-1) + self.rel_emb.weight[rel]
        tail = F.normalize(self.node_emb(candidates), p=self.p_norm, dim=-1)
        return -torch.cdist(head, tail, p=self.p_norm)


class TailDistMult(_TailNegatives, DistMult):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``(h ∘ r) tᵀ``."""
        return (self.node_emb(heads) * self.rel_emb.weight[rel]) @ self.node_emb(candidates).T


class TailComplEx(_TailNegatives, ComplEx):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``Re(h ∘ r) t_reᵀ + Im(h ∘ r) t_imᵀ``."""
        h_re, h_im = self.node_emb(heads), self.node_emb_im(heads)
        r_re, r_im = self.rel_emb.weight[rel], self.rel_emb_im.weight[rel]
        real = h_re * r_re - h_im * r_im
        imag = h_im * r_re + h_re * r_im
        return real @ self.node_emb(candidates).T + imag @ self.node_emb_im(candidates).T


KGEModule = TailTransE | TailDistMult | TailComplEx
KGE_CLASSES: dict[str, type[KGEModule]] = {"transe": TailTransE, "distmult": TailDistMult, "complex": TailComplEx}
"""Model name (``KGEConfig.model``) → module class."""
