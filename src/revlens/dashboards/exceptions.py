"""Errors of dashboards. Each names what is wrong and lists the valid choices; none is worth a
retry (the spec, the request or the user's rights must change)."""

from __future__ import annotations

from revlens.errors import RevLensError


class DashboardError(RevLensError):
    """A dashboard or tile spec that cannot be used: names the tile (when one is at fault) and
    what is wrong."""

    def __init__(self, reason: str, tile: str | None = None):
        self.reason, self.tile = reason, tile
        super().__init__(f"tile {tile!r}: {reason}" if tile else reason)


class UnknownDashboard(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"no dashboard {name!r}; dashboards you can see: "
                         f"{', '.join(known) or 'none'}")


class UnknownTile(RevLensError):
    def __init__(self, dashboard: str, tile: str, known: list[str]):
        self.dashboard, self.tile, self.known = dashboard, tile, known
        super().__init__(f"dashboard {dashboard!r} has no tile {tile!r}; its tiles: "
                         f"{', '.join(known)}")


class NotAllowed(RevLensError):
    """The user may not change this dashboard (only its owner or an admin may)."""

    def __init__(self, dashboard: str, user: str, reason: str):
        self.dashboard, self.user = dashboard, user
        super().__init__(f"{user} may not change dashboard {dashboard!r}: {reason}")
