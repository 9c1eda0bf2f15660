"""Run one command and report its wall time and peak memory; started with ``python -S``.

Usage: ``python -S launcher.py REPORT_JSON CMD [ARG ...]``.

Why a launcher: on Linux a process's ``ru_maxrss`` starts from the resident size of the
address space it replaced at ``exec`` — for a child spawned straight from the benchmark
process, the benchmark's own few hundred MiB. Spawned from this small process (no site
packages, ~10 MiB), the command's ``ru_maxrss`` is its own peak.
"""

import json
import os
import sys
import time


def main() -> None:
    """Spawn the command, wait for it, write ``{wall_s, max_rss_kb, returncode}``."""
    report, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    with open(report, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "wall_s": wall,
                "max_rss_kb": usage.ru_maxrss,
                "returncode": os.waitstatus_to_exitcode(status),
            },
            fh,
        )


if __name__ == "__main__":
    main()
