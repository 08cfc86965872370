"""The peak memory of this process, for reports and benchmarks."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_rss_mib() -> float:
    """This process's peak resident memory since its ``exec``, in MiB.

    On Linux ``VmHWM`` of ``/proc/self/status``; not ``ru_maxrss``, which Linux carries over an
    ``exec``, so a spawned child would report at least the RSS its parent had when it forked.
    Elsewhere ``ru_maxrss`` (bytes on macOS, KiB on other systems).
    """
    if _STATUS.is_file():
        for line in _STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
