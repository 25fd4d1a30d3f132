"""Synthetic demo data with planted truths: a B2B SaaS company's two years, China and abroad.

>>> from revlens.demo import generate
>>> summary = generate(Path("demo-data"), scale="small", seed=42)   # doctest: +SKIP

writes one CSV per entity in the import format (see ``docs``/DATA_CONTRACT), ad-platform exports
(``ad_exports/``), deliberately messy variants (``messy/``), ``truth.json`` (planted effects and
control totals) and ``manifest.json``. Same scale and seed -> byte-identical files.
"""

from revlens.demo.generate import DemoSummary, generate
from revlens.demo.scales import SCALES, Scale
from revlens.demo.schema import IMPORT_ORDER

__all__ = ["IMPORT_ORDER", "SCALES", "DemoSummary", "Scale", "generate"]
