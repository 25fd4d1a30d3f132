"""Errors of attribution. Each carries its inputs and lists the valid values; none is worth a
retry (the request itself must change)."""

from __future__ import annotations

from revlens.errors import RevLensError


class UnknownModel(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"unknown attribution model {name!r}; choose one of: "
                         f"{', '.join(known)} (or custom:NAME for a saved custom model)")


class UnknownConversion(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"unknown conversion type {name!r}; choose one of: {', '.join(known)}")


class UnknownDimension(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"cannot group attribution by {name!r}; choose one of: "
                         f"{', '.join(known)}")


class InvalidWeights(RevLensError):
    def __init__(self, weights: dict[str, float], reason: str, known: list[str]):
        self.weights, self.reason, self.known = weights, reason, known
        super().__init__(f"invalid model weights {weights}: {reason} (weight keys: "
                         f"{', '.join(known)}, or position_N / position_-N)")


class UnknownCustomModel(RevLensError):
    def __init__(self, name: str, version: int | None, saved: list[str]):
        self.name, self.version, self.saved = name, version, saved
        which = f"{name!r} version {version}" if version else repr(name)
        super().__init__(f"no saved custom attribution model {which}; saved models: "
                         f"{', '.join(saved) or 'none'} (save one with "
                         "revlens attribution save-model)")


class UnknownOpportunity(RevLensError):
    def __init__(self, opportunity_id: str, conversion: str):
        self.opportunity_id, self.conversion = opportunity_id, conversion
        super().__init__(f"no {conversion} conversion for opportunity {opportunity_id!r} "
                         "(is the id right, and has the opportunity reached that stage?)")
