"""Peak memory of reading the graph into arrays and PyG, this checkout against another one.

    git worktree add /tmp/shopgraph-before <commit>
    python -m bench.snapshot_memory --home bench/out/relational_scale/home --bolt-port 33119 \\
        --trees /tmp/shopgraph-before,.

Runs ``relational.export.read_snapshot(purchase_source=...)`` and then
``relational.hetero.to_hetero_data`` once per source tree of ``--trees``, each in a fresh Python
process that imports the library from that tree. The graph is the one on the benchmark server of
``--home`` (for example the 10x graph that ``bench.relational_scale`` leaves behind). For each tree
it prints the seconds of the read, the process's peak RSS after the read and after
``to_hetero_data`` (``VmHWM``), and the sizes read, so two versions are compared on the same graph
in one command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CHILD = """
import json, time
from pathlib import Path
from bench.ingest_scale import bench_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.hetero import to_hetero_data
from shopgraph.relational.memory import peak_rss_mib
driver = connect(bench_settings(Path({home!r}), {bolt}, {http}))
started = time.perf_counter()
snapshot = read_snapshot(driver, purchase_source={source!r})
seconds = time.perf_counter() - started
after_read = peak_rss_mib()
graph = to_hetero_data(snapshot)
print(json.dumps({{
    "products": snapshot.num_products, "customers": snapshot.num_customers,
    "purchases": len(snapshot.purchases), "photos": int(graph["product"].has_image.sum()),
    "read_seconds": round(seconds, 1), "peak_after_read_mib": round(after_read),
    "peak_after_hetero_mib": round(peak_rss_mib()),
}}))
"""


def run_in_tree(tree: Path, code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh Python process that imports the library from ``tree`` (not from this
    checkout) and return the JSON object of its last output line.

    Raises:
        CalledProcessError: the child failed.
    """
    prelude = f"import sys; sys.path.insert(0, {str(tree.resolve())!r})\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True, cwd="/")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(tree: Path, home: Path, bolt: int, http: int, source: str | None) -> dict[str, Any]:
    """The child's JSON line for ``tree``. Raises ``CalledProcessError`` if the child fails."""
    return run_in_tree(tree, CHILD.format(home=str(home.resolve()), bolt=bolt, http=http, source=source))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="NEO4J home of the running benchmark server")
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, default=7475, help="only to build the settings; not contacted")
    parser.add_argument("--trees", required=True, help="source trees to compare, comma-separated")
    parser.add_argument("--source", default="hm", help="purchases of this source only")
    args = parser.parse_args(argv)
    print("| tree | products | photos | read s | peak RSS after read MiB | after to_hetero_data MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for tree in args.trees.split(","):
        r = measure(Path(tree), args.home, args.bolt_port, args.http_port, args.source)
        print(
            f"| {tree} | {r['products']:,} | {r['photos']:,} | {r['read_seconds']} | "
            f"{r['peak_after_read_mib']:,} | {r['peak_after_hetero_mib']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
