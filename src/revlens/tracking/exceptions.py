"""Errors of the tracking stage; each says what failed and what to do."""

from __future__ import annotations

from revlens.errors import RevLensError


class UnknownSource(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        listed = ", ".join(known) if known else "none yet"
        super().__init__(f"no source {name!r}; `revlens sources list` shows them ({listed})")


class SourceExists(RevLensError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(f"a source {name!r} exists already; pick another name, or revoke it "
                         "with `revlens sources revoke` and create a new one")


class BadMapping(RevLensError):
    """A form source's field mapping names something that is not a lead column."""

    def __init__(self, source: str, reason: str):
        self.source, self.reason = source, reason
        super().__init__(f"{source}: {reason}")
