"""The machine a benchmark ran on and what else was running: recorded with every saved result.

CPU model and count from `/proc/cpuinfo`, memory from `/proc/meminfo`, the OS from
`/etc/os-release`, and the versions of Python and the engines. On a system without `/proc`
the fields it cannot read say "unknown".
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

UNKNOWN = "unknown"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu() -> tuple[str, int]:
    """(model name, logical CPUs) from /proc/cpuinfo."""
    lines = _read("/proc/cpuinfo").splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    count = sum(line.startswith("processor") for line in lines) or os.cpu_count() or 0
    return (models[0] if models else platform.processor() or UNKNOWN), count


def memory_gb() -> float | None:
    """Total memory in GiB, from /proc/meminfo."""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20      # kB
    return None


def operating_system() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return f"{line.split('=', 1)[1].strip(chr(34))}, kernel {platform.release()}"
    return f"{platform.system()} {platform.release()}"


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict[str, object]:
    """The machine as saved in a result file (JSON-ready)."""
    model, count = cpu()
    return {
        "cpu": model, "cpus": count, "memory_gb": memory_gb(), "os": operating_system(),
        "python": platform.python_version(), "duckdb": version("duckdb"),
        "ibis": version("ibis-framework"), "pyspark": version("pyspark"),
    }


def load_average() -> float | None:
    """The 1-minute load average: above the CPU count, other work competed for the CPUs."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
