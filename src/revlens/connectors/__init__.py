"""Sources that are not files in the data contract's own layout.

`connectors.ads` maps each ad platform's report export (百度营销, 腾讯广告, 巨量引擎, Google Ads)
onto the `ad_spend` entity and imports it through the one ingest path
(`revlens.ingest.pipeline.import_file`), so batches, rejects, atomicity and idempotency are
the same as for `revlens import`.
"""
