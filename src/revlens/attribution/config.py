"""Settings of attribution, each with the reason for its default.

These are the defaults of an `AttributionRequest`; a request (or the CLI) overrides them.
"""

from __future__ import annotations

DEFAULT_WINDOW_DAYS = 365
"""Lookback window: touches more than this many days before the conversion are not in its
journey. A year covers a typical B2B buying cycle."""

DEFAULT_HALF_LIFE_DAYS = 7.0
"""time_decay: a touch this many days older than another gets half its weight."""

DEFAULT_MARKOV_ORDER = 1
"""markov: states are the last `order` channels of a path (1 = the channel itself)."""

SHAPLEY_EXACT_MAX_CHANNELS = 15
"""shapley: up to this many channels the value is exact (2^n coalitions); above, Monte Carlo."""

DEFAULT_SHAPLEY_SAMPLES = 2_000
"""shapley Monte Carlo: random channel orderings sampled (its standard error is reported)."""

UNKNOWN_CHANNEL = "unknown"
"""The channel of a touch that has none (the importer derives one, so this is rare)."""

NON_DIRECT_SKIPPED = ("direct", UNKNOWN_CHANNEL)
"""last_non_direct skips touches of these channels unless the journey has nothing else."""

TOUCH_TYPE_ORDER = (
    "email_sent", "email_open", "email_click", "ad_click", "page_view", "content_view",
    "content_download", "content_share", "form_submit", "event_registration", "event_checkin",
    "webinar_attend", "chat", "call_inbound", "trial_signup", "demo_request", "other",
)
"""Touches at the same instant are ordered by type in this order (the causal order of a
visit: the email is opened, the ad clicked, the page viewed, the form submitted), then by
touchpoint_id. Types not listed come last."""

PATH_SEPARATOR = " > "
"""How channels are joined in a path (the ChannelAttribution layout)."""
