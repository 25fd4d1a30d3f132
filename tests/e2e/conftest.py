"""Browser tests drive Debian's Chromium through Playwright (never a downloaded browser); the
`browser` fixture itself is in tests/conftest.py, shared by every directory (Playwright's sync API
allows one instance per thread)."""

from __future__ import annotations

import os
import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would have: no pytest variables (NiceGUI reads
    PYTEST_CURRENT_TEST as "running under its own test harness") and no REVLENS_ settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "REVLENS_"))}
    return {**env, **extra}
