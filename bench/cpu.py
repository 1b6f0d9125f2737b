"""CPU time of a process and every process below it, from /proc (Linux): what serving a run of requests cost."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User and system CPU seconds spent so far by `root` and its live descendants."""
    return sum(_stat_seconds(f"/proc/{pid}/stat") for pid in _tree(root))


def main_threads_cpu_seconds(root: int) -> float:
    """CPU seconds spent so far by the main thread of `root` and of each live descendant: in `docket serve`'s
    workers, the event loop's (the projector and the reads it hands to threads are not counted)."""
    return sum(_schedstat_seconds(f"/proc/{pid}/task/{pid}/schedstat") for pid in _tree(root))


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds spent so far by the process `pid`'s main thread: a PostgreSQL backend's, for one."""
    return _schedstat_seconds(f"/proc/{pid}/task/{pid}/schedstat")


def _tree(root: int) -> list[int]:
    """`root` and its live descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])  # after "pid (comm) ": state, ppid
    found = []
    for pid in parents:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            found.append(pid)
    return found


def _stat_seconds(path: str) -> float:
    try:
        stat = Path(path).read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _schedstat_seconds(path: str) -> float:
    """The nanosecond count of time on a CPU (the first field): finer than the clock ticks of `stat`."""
    try:
        return int(Path(path).read_text().split()[0]) / 1e9
    except OSError:
        return 0.0
