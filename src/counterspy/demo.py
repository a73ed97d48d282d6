"""The end-to-end demo: simulate a small platform and run every pipeline stage on it.

Layout: ``<home>/input`` is the simulated platform's export (with ground truth in
``input/truth``), ``<home>/workspace`` the counterspy workspace built from it.

``counterspy demo`` calls :func:`run_demo`; tests call it too. Each stage is the same library
call a user would make on their own data.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.cases.demo_stage import EnforcementDemo, run_enforcement_demo
from counterspy.detect.evaluate import Evaluation, evaluate
from counterspy.detect.run import detect_workspace
from counterspy.enforce.screening import ScreeningMatch, screen
from counterspy.errors import CounterspyError
from counterspy.infra.service import VerdictService
from counterspy.ingest.load import LoadSummary, ingest
from counterspy.ingest.simulator import SimulationConfig, SimulationSummary, simulate
from counterspy.model import Verdict
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.report import build_report, write_report
from counterspy.report.model import Totals
from counterspy.share.collect import collect_findings
from counterspy.share.stix import dumps, stix_export
from counterspy.share.tlp import Tlp
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

MARKER = ".counterspy-demo"
INPUT_DIR = "input"  # simulated platform export, beside (not inside) the workspace
WORKSPACE_DIR = "workspace"
REPORT_DIR = "report"  # the published threat report (TLP:CLEAR edition)
SHARE_FILE = "findings.stix2"  # STIX 2.1 export of the demo's findings (TLP:AMBER ceiling)
DEMO_ADMIN = "demo-admin"
# Names an analyst might screen: two variants of banned firms, one ordinary business.
SCREEN_EXAMPLES = ("Cytrox Holdings Zrt.", "ЦИТРОКС АД", "Black Cube Coffee Roasters")


@dataclass(frozen=True)
class DemoConfig:
    accounts: int = 20_000
    seed: int = 7
    stealth: int = 2
    days: int = 30


@dataclass(frozen=True)
class DemoSummary:
    home: Path
    workspace: Path
    config: DemoConfig
    simulation: SimulationSummary
    load: LoadSummary
    operations: pd.DataFrame
    targets_by_phase: dict[str, int]
    evaluation: Evaluation
    verdicts: tuple[Verdict, ...]
    screening: tuple[tuple[str, ScreeningMatch | None], ...]
    enforcement: EnforcementDemo
    audit_rows: int
    audit_ok: bool
    report_dir: Path
    report_totals: Totals
    share_file: Path
    share_counts: tuple[tuple[str, int], ...]
    seconds: float


def prepare_home(home: Path) -> None:
    """Start from an empty folder. A previous demo's folder (it carries a marker) is replaced;
    any other non-empty folder is refused, so the demo never deletes a user's data."""
    if home.exists() and any(home.iterdir()):
        if not (home / MARKER).exists():
            raise CounterspyError(
                f"{home} is not empty and was not made by the demo",
                hint="pass --home with a new folder",
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text("made by `counterspy demo`; safe to delete\n", encoding="utf-8")


def _sample_urls(truth: Path) -> list[str]:
    domains = pd.read_parquet(truth / "domains.parquet")
    bad = [f"https://{d}/watch?v=1" for d in domains["domain"].head(4)]
    return [*bad, "https://www.bbc.co.uk/news", "https://github.com/", "javascript:alert(1)"]


def run_demo(
    home: Path, config: DemoConfig = DemoConfig(), progress: Progress = NULL_PROGRESS
) -> DemoSummary:
    start = time.perf_counter()
    prepare_home(home)
    ws = Workspace(home / WORKSPACE_DIR)
    sim_dir = home / INPUT_DIR
    sim = simulate(
        SimulationConfig(
            accounts=config.accounts,
            seed=config.seed,
            stealth=config.stealth,
            days=config.days,
            start=dt.date(2021, 10, 1),
        ),
        sim_dir,
        progress,
    )
    load = ingest(ws, [sim_dir], progress)
    progress.begin("checking links with the verdict engine", None)
    service = VerdictService(ws)
    try:
        result, _info = detect_workspace(ws, checker=service.engine(), progress=progress)
        verdicts = tuple(service.engine().check_many(_sample_urls(sim_dir / "truth")))
    finally:
        service.close()
    evaluation = evaluate(ws, sim_dir / "truth")
    phases = result.targets["phase"].value_counts().to_dict() if len(result.targets) else {}
    screening = tuple((name, next(iter(screen(name)), None)) for name in SCREEN_EXAMPLES)
    store = open_store(ws)
    try:
        with store.session() as s:
            users.create_user(s, name=DEMO_ADMIN, role="admin", actor="demo")
        enforcement = run_enforcement_demo(store, ws, progress)
        with store.session() as s:
            check = audit.verify(s)
        progress.begin("writing the threat report", None)
        with store.session() as s:
            report = build_report(
                ws, s, tlp=Tlp.CLEAR, generated=dt.datetime.now(dt.UTC).date(), progress=progress
            )
        written = write_report(report, home / REPORT_DIR)
        shared = stix_export(collect_findings(ws, store), tlp=Tlp.AMBER)
        (home / SHARE_FILE).write_text(dumps(shared.bundle), encoding="utf-8")
    finally:
        store.dispose()
    return DemoSummary(
        home=home,
        workspace=ws.home,
        config=config,
        simulation=sim,
        load=load,
        operations=result.operations,
        targets_by_phase={str(k): int(v) for k, v in phases.items()},
        evaluation=evaluation,
        verdicts=verdicts,
        screening=screening,
        enforcement=enforcement,
        audit_rows=check.rows,
        audit_ok=check.ok,
        report_dir=written.out,
        report_totals=report.totals,
        share_file=home / SHARE_FILE,
        share_counts=shared.counts,
        seconds=time.perf_counter() - start,
    )
