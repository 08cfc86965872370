"""What the vision plugin sees in a photo: garments, their category and colour, and a vector.

    python examples/analyse_photo.py PHOTO.jpg

Needs no server: the detector and the embedder ship inside the package.
"""

from __future__ import annotations

import sys

from shopgraph.vision import analyse_photo


def main(path: str) -> None:
    analysis = analyse_photo(path)
    width, height = analysis.photo.original_size
    print(f"{path}: {width}x{height}, {len(analysis.objects)} object(s), model {analysis.model_version}")
    for obj in analysis.objects:
        det = obj.detection
        colour = obj.colour.colour if obj.colour is not None else "-"
        print(f"  {det.class_name:<12} category={det.category:<14} p={det.confidence:.2f} colour={colour}")
    print(f"photo vector: {len(analysis.embedding)} dimensions")


if __name__ == "__main__":
    main(sys.argv[1])
