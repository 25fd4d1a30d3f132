"""The demo generator's entry point: build the world in dependency order, write every file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd

from revlens.demo import (
    accounts,
    adspend,
    campaigns,
    content,
    lead_status,
    leads,
    org,
    people,
    pipeline,
    planted,
    revenue,
    touchpoints,
    truth,
)
from revlens.demo.activities import activities_columns, build_activities
from revlens.demo.ad_exports import write_ad_exports
from revlens.demo.fx import fx_columns
from revlens.demo.messy import write_messy
from revlens.demo.scales import Scale, get_scale
from revlens.demo.schema import IMPORT_ORDER
from revlens.demo.service import build_nps, build_tickets, nps_columns, tickets_columns
from revlens.demo.targets import build_targets, targets_columns
from revlens.demo.timeline import END_DATE, rng_for
from revlens.demo.touch_traffic import platform_clicks_target
from revlens.demo.touch_world import TouchWorld
from revlens.demo.writer import write_entity

PROSPECT_COMPANIES_PER_LEAD = 0.19


@dataclass
class DemoSummary:
    """What :func:`generate` wrote."""

    out_dir: Path
    scale: str
    seed: int
    files: dict[str, Path] = field(default_factory=dict)
    """Entity -> CSV file, in import order."""
    rows: dict[str, int] = field(default_factory=dict)
    ad_exports: list[Path] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _World:
    seed: int
    scale: Scale
    org: org.Org
    acc: pd.DataFrame
    people: pd.DataFrame
    opps: pd.DataFrame
    camp: pd.DataFrame
    content: pd.DataFrame
    spend: pd.DataFrame
    plan: pd.DataFrame
    forbidden: np.ndarray
    leads: pd.DataFrame

    def rng(self, part: str) -> np.random.Generator:
        return rng_for(self.seed, part)

    def contact_picker(self, part: str) -> Callable[[np.ndarray], np.ndarray]:
        rng = self.rng(part)
        return lambda a: people.random_contact(rng, self.people, a, 0.5)


def _build_world(scale: Scale, seed: int) -> _World:
    def rng(part: str) -> np.random.Generator:
        return rng_for(seed, part)

    staff = org.build_org(rng("org"), scale)
    pool = accounts.company_pool(rng("companies"), scale.accounts,
                                 round(scale.leads * PROSPECT_COMPANIES_PER_LEAD))
    acc = accounts.build_accounts(rng("accounts"), pool, staff)
    opps = pipeline.build_pipeline(rng("pipeline"), acc, staff)
    conv = leads.plan_conversions(rng("conversions"), opps)
    folks = people.build_people(rng("people"), pool, acc,
                                leads.prospects_needed(scale.leads, int(conv.sum())))
    camp = campaigns.build_campaigns(rng("campaigns"), scale, staff)
    items = content.build_content(rng("content"), scale.content, camp,
                                  acc["short_name"].to_numpy())
    spend = adspend.build_ad_spend(rng("ad_spend"), camp, scale,
                                   platform_clicks_target(scale.touchpoints))
    campaigns.set_ad_budgets(rng("budgets"), camp, adspend.spend_cny_by_campaign(spend))
    plan = planted.plan_webinar_attendance(rng("webinars"), acc, opps, folks, camp)
    forbidden = planted.forbidden_webinar_people(folks, acc, opps)
    pool_leads = leads.build_leads(rng("leads"), scale.leads, opps, conv, folks, camp, plan,
                                   forbidden, staff)
    converted = pool_leads[pool_leads["opp_row"] >= 0]
    opps.loc[converted["opp_row"].to_numpy(), "lead_id"] = converted["lead_id"].to_numpy()
    p = converted["person_idx"].to_numpy()
    created = folks["contact_created_at"].to_numpy()
    np.minimum.at(created, p, converted["converted_at"].to_numpy())
    folks["contact_created_at"] = created
    return _World(seed, scale, staff, acc, folks, opps, camp, items, spend, plan, forbidden,
                  pool_leads)


def _write_core(w: _World, out: Path, summary: DemoSummary, say: Callable[[str], None]) -> dict:
    def write(entity: str, columns: dict) -> None:
        say(entity)
        path, n = write_entity(out, entity, columns)
        summary.files[entity], summary.rows[entity] = path, n

    write("users", org.users_columns(w.org))
    write("fx_rates", fx_columns(w.rng("fx")))
    write("accounts", accounts.accounts_columns(w.acc))
    write("contacts", people.contacts_columns(w.people, w.acc))
    write("campaigns", campaigns.campaigns_columns(w.camp))
    write("content", content.content_columns(w.content))
    write("ad_spend", adspend.ad_spend_columns(w.spend))
    say("touchpoints")
    keyword, ad_group = touchpoints.add_creatives(w.spend)
    world = TouchWorld(w.rng("touchpoints"), w.scale.touchpoints, w.people, w.acc, w.leads,
                       w.opps, w.camp, w.content, w.spend, w.plan, w.forbidden)
    path = out / "touchpoints.csv"
    n, frame = touchpoints.write_touchpoints(path, world, keyword, ad_group)
    summary.files["touchpoints"], summary.rows["touchpoints"] = path, n
    lead_cols = leads.leads_columns(w.leads, w.acc, w.people, w.camp, w.opps)
    write("leads", lead_cols)
    write("lead_status_history", lead_status.history_columns(w.leads))
    write("opportunities", pipeline.opportunities_columns(w.opps, w.acc))
    write("opportunity_stage_history", pipeline.stage_history_columns(w.rng("history"), w.opps))
    return {"frame": frame, "lead_columns": lead_cols}


def _write_revenue(w: _World, out: Path, summary: DemoSummary,
                   say: Callable[[str], None]) -> dict:
    def write(entity: str, columns: dict) -> None:
        say(entity)
        path, n = write_entity(out, entity, columns)
        summary.files[entity], summary.rows[entity] = path, n

    quotes = revenue.build_quotes(w.rng("quotes"), w.opps)
    write("quotes", revenue.quotes_columns(quotes, w.opps))
    orders = revenue.build_orders(w.rng("orders"), w.opps)
    write("orders", revenue.orders_columns(orders, w.opps, w.acc))
    pay = revenue.build_payments(w.rng("payments"), orders)
    write("payments", revenue.payments_columns(pay, orders))
    acts = build_activities(w.rng("activities"), w.leads, w.opps, orders, w.acc, w.org,
                            w.contact_picker("activity_contacts"))
    write("activities", activities_columns(acts, w.leads, w.people, w.acc, w.opps))
    tickets = build_tickets(w.rng("tickets"), orders, w.contact_picker("ticket_contacts"))
    write("tickets", tickets_columns(tickets, w.acc, w.people))
    nps = build_nps(w.rng("nps"), orders, w.people)
    write("nps_responses", nps_columns(nps, w.acc, w.people))
    write("targets", targets_columns(build_targets(w.rng("targets"), w.org, w.opps, w.leads)))
    return {"orders": orders, "payments": pay}


def _truth(w: _World, summary: DemoSummary, core: dict, money: dict, messy: list) -> dict:
    return {
        "scale": w.scale.name, "seed": w.seed, "end_date": END_DATE.isoformat(),
        "currency": "CNY",
        "effects": {
            "webinar_win_lift": truth.webinar_effect(w.opps, w.acc),
            "fast_segment": truth.fast_segment(w.opps, w.acc),
            "slow_rep_stage": truth.slow_rep(w.opps, w.org.slow_rep),
            "solution_stalls": truth.stalls(w.opps),
        },
        "identity": truth.identity(w.people, w.leads, core["frame"]),
        "totals": truth.totals(w.opps, money["orders"], money["payments"], w.leads, w.spend,
                               core["frame"], dict(summary.rows)),
        "messy": messy,
    }


def _dump(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_plain) + "\n",
                    encoding="utf-8")


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def generate(out_dir: Path, scale: str = "small", seed: int = 42,
             progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Write a reproducible two-year demo history (ending 2026-10-31) to ``out_dir``.

    Files: ``<entity>.csv`` for every entity of :data:`IMPORT_ORDER`, ``ad_exports/``,
    ``messy/``, ``truth.json``, ``truth_identity.csv`` (the true person and account of every
    lead and contact) and ``manifest.json``. The same ``scale`` and ``seed`` always
    give byte-identical files.
    """
    started = perf_counter()
    say = progress or (lambda _msg: None)
    spec = get_scale(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary(out_dir=out, scale=spec.name, seed=seed)
    say("building accounts, deals and leads")
    world = _build_world(spec, seed)
    core = _write_core(world, out, summary, say)
    money = _write_revenue(world, out, summary, say)
    say("ad platform exports")
    summary.ad_exports = write_ad_exports(out, world.spend)
    messy_paths, messy = write_messy(out, world.leads, core["lead_columns"], world.acc)
    summary.files = {e: summary.files[e] for e in IMPORT_ORDER}
    summary.rows = {e: summary.rows[e] for e in IMPORT_ORDER}
    say("truth.json")
    _dump(out / "truth.json", _truth(world, summary, core, money, messy))
    truth.identity_records(world.people, world.leads, world.acc).to_csv(
        out / "truth_identity.csv", index=False)
    _dump(out / "manifest.json", {
        "scale": spec.name, "seed": seed, "end_date": END_DATE.isoformat(),
        "import_order": list(IMPORT_ORDER),
        "files": {e: p.relative_to(out).as_posix() for e, p in summary.files.items()},
        "rows": summary.rows,
        "ad_exports": [p.relative_to(out).as_posix() for p in summary.ad_exports],
        "messy": [p.relative_to(out).as_posix() for p in messy_paths],
    })
    summary.seconds = perf_counter() - started
    return summary
