"""Latency of the shopper's page's ``POST /api/ask`` with a photo, models loaded once, over real HTTP.

    python -m bench.serve_latency --runs 20

Starts from a running server: the one the settings name (after ``make demo``: the demo graph and its
photos). Serves the API on a free loopback port in this process (``assistant.serving.serve``: the
linker and the vision models loaded once, at the start), then sends ``POST /api/ask`` as multipart
forms, each with a photo of the shipped sample and ``--question``, one request at a time. Every photo
is sent once: the assistant keeps a photo's look by its SHA-256, so a photo sent twice would be
answered without the models and flatter the figure. The first request is reported apart (it warms
the models' first run); the others give p50 and p90, the p50 with a 95 % bootstrap interval
(2,000 resamples, seed 0). Time: client-side wall time from sending the request to the last byte.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np

from shopgraph.assistant.serving import serve
from shopgraph.demo import sample_dir
from shopgraph.graphstore.core.config import load_settings
from shopgraph.graphstore.core.connection import connect


def sample_photos() -> list[Path]:
    """The shipped sample's photos, in path order."""
    return sorted((sample_dir() / "images").rglob("*.jpg"))


def post_photo(url: str, question: str, photo: Path) -> tuple[float, dict[str, object]]:
    """Seconds one ``POST /api/ask`` of ``question`` with ``photo`` took, and the answer."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\n{question}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{photo.name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + photo.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url + "api/ask", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - start, answer


def bootstrap_median(values: np.ndarray, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the median of ``values``."""
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(values, size=(resamples, len(values)), replace=True), axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(low), float(high)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured requests, after the first (distinct photos)")
    parser.add_argument("--question", default="what colour is this?", help="the question sent with every photo")
    args = parser.parse_args(argv)
    photos = sample_photos()
    if args.runs + 1 > len(photos):
        parser.error(f"--runs is at most {len(photos) - 1}: the sample has {len(photos)} photos, each sent once")
    settings = load_settings()
    handle = connect(settings)
    try:
        started = time.perf_counter()
        with serve(handle, port=0, database=settings.database) as server:
            load_s = time.perf_counter() - started
            first_s, _ = post_photo(server.url, args.question, photos[0])
            times = np.array([post_photo(server.url, args.question, p)[0] for p in photos[1 : args.runs + 1]])
    finally:
        handle.close()
    low, high = bootstrap_median(times)
    print(f"start (linker and models loaded): {load_s:.2f} s")
    print(f"first POST /api/ask with a photo: {first_s * 1000:.0f} ms")
    print(
        f"next {len(times)} (each a new photo): p50 {np.median(times) * 1000:.0f} ms "
        f"(95 % CI {low * 1000:.0f}-{high * 1000:.0f}), p90 {np.percentile(times, 90) * 1000:.0f} ms, "
        f"max {times.max() * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
