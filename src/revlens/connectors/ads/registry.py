"""The ad-platform adapters by the name `revlens import-ads PLATFORM` takes."""

from __future__ import annotations

from revlens.connectors.ads.baidu import Baidu
from revlens.connectors.ads.base import AdPlatformAdapter
from revlens.connectors.ads.google_ads import GoogleAds
from revlens.connectors.ads.oceanengine import OceanEngine
from revlens.connectors.ads.tencent import Tencent
from revlens.errors import RevLensError

ADAPTERS: dict[str, type[AdPlatformAdapter]] = {
    cls.name: cls for cls in (Baidu, Tencent, OceanEngine, GoogleAds)
}


class UnknownAdPlatform(RevLensError):
    def __init__(self, name: str):
        self.name, self.known = name, list(ADAPTERS)
        super().__init__(f"unknown ad platform {name!r}; choose one of: {', '.join(ADAPTERS)}")


def adapter(name: str) -> AdPlatformAdapter:
    """The adapter called `name` (baidu, tencent, oceanengine, google_ads)."""
    try:
        return ADAPTERS[name.strip().lower()]()
    except KeyError:
        raise UnknownAdPlatform(name) from None
