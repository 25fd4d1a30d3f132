"""What a benchmark stage cost the machine: the peak memory and CPU time of a process and of
the Spark JVM below it (from /proc on Linux), and the jobs and tasks Spark ran (from its event
log). Elsewhere, memory falls back to `getrusage` and CPU time to this process's own.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SparkCost:
    """What Spark's event log shows of the tasks launched while a stage's clock ran."""

    jobs: int
    tasks: int
    task_seconds: float          # the tasks' durations (launch to finish), summed


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory as the kernel keeps it (`VmHWM` in
    /proc/PID/status; for this process the same as `getrusage` `ru_maxrss`), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        if pid != os.getpid():
            return 0.0
        from benchmarks.bench_import import _peak_rss_mb

        return _peak_rss_mb()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024      # kB
    return 0.0


def cpu_seconds() -> float:
    """CPU time used so far by this process (every thread, so DuckDB's too) and by the Spark
    JVM below it, from /proc; where there is no /proc, this process's alone."""
    own = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in jvms():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1]
        except OSError:
            continue
        user, system = fields.split()[11:13]      # utime, stime (fields 14 and 15)
        own += (int(user) + int(system)) / ticks
    return own


def jvms() -> list[int]:
    """The Spark JVMs (`java` processes) below this process."""
    return [pid for pid in descendants(os.getpid()) if _command(pid) == "java"]


def descendants(pid: int) -> list[int]:
    """The live processes below `pid` (from /proc; none where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8")
        except OSError:
            continue
        parent = int(text.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def spark_cost(events: Path, began_ms: int, ended_ms: int) -> SparkCost:
    """Jobs and tasks in Spark's JSON event logs under `events` that started within
    [began_ms, ended_ms], and the tasks' summed durations."""
    jobs, tasks, task_ms = 0, 0, 0
    for log in events.iterdir():
        with log.open(encoding="utf-8") as lines:
            for line in lines:
                event = json.loads(line)
                kind = event.get("Event")
                if kind == "SparkListenerJobStart":
                    jobs += began_ms <= event["Submission Time"] <= ended_ms
                elif kind == "SparkListenerTaskEnd":
                    info = event["Task Info"]
                    if began_ms <= info["Launch Time"] <= ended_ms:
                        tasks += 1
                        task_ms += info["Finish Time"] - info["Launch Time"]
    return SparkCost(jobs, tasks, task_ms / 1000)


def reset_peak_rss() -> bool:
    """Start this process's peak resident memory again from its current size (Linux:
    `5 > /proc/self/clear_refs`), so that the next peak read is that of what follows; False
    where that cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True
