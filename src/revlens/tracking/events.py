"""Which contract touchpoint type a Segment call is: plain data, tried in order.

A `page` (or `screen`) call is a `page_view`. A `track` call's event name is matched first
against the touchpoint types themselves (`demo_request`, `Demo Request`, `活动报名`), then
against the rules below (Segment's spec event names and common variants, case-insensitive);
an event matching nothing is `other`, with its name kept in the touchpoint's `extra.event`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from revlens.contract.entities import TOUCH_TYPES


@dataclass(frozen=True)
class EventRule:
    type: str      # a touchpoint type of the contract
    pattern: str   # Python regex, matched case-insensitively against the whole event name


EVENT_RULES: tuple[EventRule, ...] = (
    EventRule("form_submit", r"(lead |contact )?form[ _]?submit(ted)?|(lead|contact) form"
                             r"|表单提交|提交表单"),
    EventRule("trial_signup", r"(trial|free trial)[ _]?(started|signup|sign[ _]up)|signed[ _]up"
                              r"|sign[ _]?up|account created|注册|试用"),
    EventRule("demo_request", r"demo[ _]?request(ed)?|request(ed)?[ _]a?[ _]?demo|预约演示"),
    EventRule("content_download", r"(content|file|whitepaper|ebook|report|asset)[ _]?download(ed)?"
                                  r"|download(ed)?|下载"),
    EventRule("content_share", r"(content|article|video)?[ _]?shared?|分享"),
    EventRule("content_view", r"(content|article|video|whitepaper)[ _]?(viewed|played|started)"
                              r"|video playback started"),
    EventRule("event_registration", r"(event|webinar)[ _]?regist(ered|ration)|registered"),
    EventRule("event_checkin", r"(event[ _]?)?check(ed)?[ _]?in"),
    EventRule("webinar_attend", r"webinar[ _]?(attended|joined)|livestream[ _]?(watched|joined)"),
    EventRule("email_open", r"email[ _]?open(ed)?"),
    EventRule("email_click", r"email[ _]?(link[ _]?)?click(ed)?"),
    EventRule("email_sent", r"email[ _]?(sent|delivered)"),
    EventRule("ad_click", r"ad[ _]?click(ed)?"),
    EventRule("chat", r"(live[ _]?)?chat([ _]?(started|message))?|conversation started"),
    EventRule("call_inbound", r"(inbound[ _]?)?call[ _]?(received|inbound)"),
)
_COMPILED = tuple((rule.type, re.compile(rule.pattern, re.IGNORECASE)) for rule in EVENT_RULES)
_TYPE_NAMES = {label.lower(): canonical for canonical, labels in TOUCH_TYPES.items()
               for label in (canonical, *labels)}


def touch_type(event: str) -> str:
    """The touchpoint type of a `track` call named `event`."""
    name = " ".join(event.split())
    exact = _TYPE_NAMES.get(name.lower()) or _TYPE_NAMES.get(name.lower().replace(" ", "_"))
    if exact:
        return exact
    for type_, pattern in _COMPILED:
        if pattern.fullmatch(name):
            return type_
    return "other"
