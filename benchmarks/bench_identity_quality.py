"""How right OneID is on the demo: pairwise precision and recall of persons and of
person → account, against the demo's answer key (`truth_identity.csv`: the true person and
account of every lead and contact).

Pairs are pairs of records (leads and contacts). Persons: a pair is *predicted* when OneID puts
both records in one person, *true* when the generator made them for one person; precision =
true predicted pairs / predicted pairs, recall = true predicted pairs / true pairs. Accounts:
the same over the records' accounts — OneID's account of the record's person against the true
account of the record's person (a prospect's record, with no account, pairs with nobody, so a
prospect put at an account counts against precision).
Targets (the issue's): precision ≥ 0.99, recall ≥ 0.97.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.registry import Figure, RunContext, benchmark

NAME = "identity-quality"
TARGET_PRECISION, TARGET_RECALL = 0.99, 0.97


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    from benchmarks.bench_metrics import refreshed_workspace

    workspace = refreshed_workspace(ctx.scale, ctx.data_dir)
    truth = workspace.parent / "data" / "truth_identity.csv"
    return measure_quality(workspace, truth)


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise(frame: pd.DataFrame, predicted: str, true: str) -> tuple[float, float, int]:
    """(precision, recall, true pairs) of the clustering `predicted` against `true`."""
    frame = frame.dropna(subset=[predicted, true])
    both = _pairs(frame.groupby([predicted, true]).size())
    guessed = _pairs(frame.groupby(predicted).size())
    actual = _pairs(frame.groupby(true).size())
    return (both / guessed if guessed else 1.0, both / actual if actual else 1.0, actual)


def predictions(workspace: Path) -> pd.DataFrame:
    """Every lead and contact with OneID's person and that person's account."""
    from revlens.identity.accounts import person_accounts
    from revlens.warehouse.schema import IDENTITY_MAP_TABLE
    from revlens.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        wh = ws.warehouse
        ids = wh.table(IDENTITY_MAP_TABLE)
        ids = ids.filter(ids.identifier_type.isin(["lead_id", "contact_id"]))
        accounts = person_accounts(wh)
        joined = ids.left_join(accounts, "person_id").select(
            record_id=ids.identifier_value, person_id=ids.person_id,
            predicted_account=accounts.account_id)
        return wh.execute(joined)


def measure_quality(workspace: Path, truth_file: Path) -> list[Figure]:
    truth = pd.read_csv(truth_file, dtype={"person": "int64", "account_id": "string"})
    found = predictions(workspace)
    frame = truth.merge(found, on="record_id", how="left")
    frame["person_id"] = frame["person_id"].fillna("unresolved:" + frame["record_id"])
    p, r, n = pairwise(frame, "person_id", "person")
    none = "none:" + frame["record_id"]            # no account: a pair with nobody
    true_account = frame["account_id"].where(frame["account_id"].fillna("") != "", none)
    ap, ar, an = pairwise(frame.assign(true_account=true_account,
                                       predicted_account=frame["predicted_account"]
                                       .fillna(none)), "predicted_account", "true_account")
    target = "target"
    return [
        Figure(NAME, "records (leads and contacts)", len(frame), ""),
        Figure(NAME, "person pairs in the answer key", n, ""),
        Figure(NAME, "persons: pairwise precision", p, "share", target, TARGET_PRECISION,
               p / TARGET_PRECISION),
        Figure(NAME, "persons: pairwise recall", r, "share", target, TARGET_RECALL,
               r / TARGET_RECALL),
        Figure(NAME, "account pairs in the answer key", an, ""),
        Figure(NAME, "person → account: pairwise precision", ap, "share", target, TARGET_PRECISION,
               ap / TARGET_PRECISION),
        Figure(NAME, "person → account: pairwise recall", ar, "share", target, TARGET_RECALL,
               ar / TARGET_RECALL),
    ]
