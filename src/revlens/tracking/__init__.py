"""Collect: a Segment-compatible HTTP tracking API, form webhooks, and their sources.

    POST /v1/batch | /v1/track | /v1/identify | /v1/page | /v1/group   (api.py)
    POST /v1/forms/{source}                                               (api.py, forms.py)

A request is checked (auth, size, rate, each message's shape and the data contract's value
rules), written to the durable spool (spool.py) and only then acknowledged; a flusher
(flush.py) moves spooled events into the warehouse through the import path. Write keys belong
to sources (sources.py) kept in the app database.
"""
