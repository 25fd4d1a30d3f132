"""Errors of the metric layer. Each carries its inputs and lists the valid values; none is worth
a retry (the query or the catalog itself must change)."""

from __future__ import annotations

from revlens.errors import RevLensError, UnknownUser  # noqa: F401  (re-exported)


class UnknownMetric(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        close = [k for k in known if name.lower() in k or k in name.lower()][:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        super().__init__(f"unknown metric {name!r}{hint}; `revlens metrics list` shows all "
                         f"{len(known)} metrics")


class UnknownDimension(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"unknown dimension {name!r}; choose one of: {', '.join(known)}")


class DimensionNotAvailable(RevLensError):
    """A metric cannot be grouped or filtered by a dimension its records do not carry."""

    def __init__(self, metric: str, dimension: str, allowed: list[str]):
        self.metric, self.dimension, self.allowed = metric, dimension, allowed
        super().__init__(f"metric {metric!r} cannot be grouped or filtered by {dimension!r}; "
                         f"its dimensions are: {', '.join(allowed)}")


class InvalidQuery(RevLensError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class CatalogError(RevLensError):
    """A metric definition that cannot be used: names the file, the metric and what is wrong."""

    def __init__(self, source: str, metric: str | None, reason: str):
        self.source, self.metric, self.reason = source, metric, reason
        where = f"{source}, metric {metric!r}" if metric else source
        super().__init__(f"{where}: {reason}")
