"""The exchange step beside participant pages, and the moderation queue (issue 24, 2).

    .venv/bin/python bench/exchange_steps.py [--backend sqlite|postgresql]
        [--participants 40] [--pending 10000]

In one process, through the Flask test client (no sockets, no load
generator, so the figures are the app's own CPU): participants walk the
example survey with an exchange (tests/exchange_survey.py: its peers and
placebo arms rate cards; smaller than the flagship, so a run is quick) and every request's
thread CPU time is recorded by what it is: a survey page view (GET of a
``page:`` step), a card view (GET of a ``card:`` step), a page save (POST of
a page, its redirect not included) and a rating save (POST of a card).
Medians and their ratios: goals are a card view within 1.5x a page view and
a rating save within 1.5x a page save. Then ``--pending`` statements wait
for moderation (already triaged) and the queue page is timed (wall and
CPU, least of five): goal under 100 ms. ``bench/run steps`` runs it on both
backends into RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="(/c/[^"]+/step/[^"]+)"')
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway account in a throwaway database


def _card_fields(html: str) -> dict:
    """A rating: the first option of each of the card's radio questions."""
    fields = {}
    for name in ("fair", "agree", "chosen"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


def measure(backend: str, participants: int, pending: int) -> dict:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.passwords import hash_password
    from app.campaigns.operations import create_campaign, set_status
    from app.extensions import db
    from app.models import User
    from surveys import load_survey
    from tests.bots import auto_answer
    from tests.exchange_survey import with_exchange

    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-steps-"))
    schema = None
    config = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.sqlite'}",
              "PARLEY_JOBS": "inline"}
    if backend == "postgresql":
        schema = f"bench_steps_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(PG).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        config |= {"SQLALCHEMY_DATABASE_URI": PG, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={schema}"}}}
    app = create_app(config)
    try:
        folder = with_exchange(tmp / "survey")
        survey, slug = load_survey(folder), "debate"
        with app.app_context():
            upgrade()
            campaign = create_campaign(db.session, slug=slug, survey_folder=folder, actor="bench")
            set_status(db.session, campaign, "open", "bench")
            db.session.add(User(email="bench@example.org", role="owner",
                                password_hash=hash_password(PASSWORD)))
            db.session.commit()

        def answers_for(step: str) -> tuple[dict, int]:
            fields: dict = {}
            for item_id in survey.page(step.split(":")[1]).items:
                fields.update(auto_answer(survey.items[item_id]))
            return fields, 0
        cpu: dict[str, list[float]] = {"page view": [], "card view": [], "page save": [],
                                       "rating save": []}
        for _ in range(participants):
            client = app.test_client()
            html = client.get(f"/c/{slug}/").get_data(as_text=True)
            client.post(f"/c/{slug}/start", data={"csrf_token": TOKEN.search(html).group(1),
                                                  "agree": "y"})
            t0 = time.thread_time()
            html = client.get(f"/c/{slug}/go").get_data(as_text=True)
            kind = "page"
            cpu["page view"].append(time.thread_time() - t0)
            while match := ACTION.search(html):
                action = match.group(1)
                step = action.split("/step/", 1)[1].replace("%3A", ":")
                kind = step.split(":")[0]
                fields = (answers_for(step)[0] if kind == "page" else _card_fields(html))
                data = {"csrf_token": TOKEN.search(html).group(1), **fields}
                t0 = time.thread_time()
                response = client.post(action, data=data)
                spent = time.thread_time() - t0
                if response.status_code != 302:
                    raise SystemExit(f"{step}: {response.status_code}")
                if kind in ("page", "card"):
                    cpu["page save" if kind == "page" else "rating save"].append(spent)
                t0 = time.thread_time()
                html = client.get(response.headers["Location"]).get_data(as_text=True)
                spent = time.thread_time() - t0
                match = ACTION.search(html)
                shown = match.group(1).split("/step/", 1)[1].replace("%3A", ":") if match else ""
                if shown.startswith("page:"):
                    cpu["page view"].append(spent)
                elif shown.startswith("card:"):
                    cpu["card view"].append(spent)
        queue = _queue(app, slug, pending) if pending else None
    finally:
        with app.app_context():
            db.engine.dispose()
        if schema:
            with sa.create_engine(PG).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return {"backend": backend, "cpu_ms": {k: [1000 * x for x in v] for k, v in cpu.items()},
            "queue": queue}


def _queue(app, slug: str, pending: int) -> dict:
    """The moderation queue page with ``pending`` statements waiting: (wall ms, CPU ms)."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import Campaign, Participant, Statement, utcnow

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        authors = [db.session.execute(insert(Participant).values(
            public_id=f"author{k}", campaign_id=campaign.id, arm="control", language="en",
            module_order="",
            step="thanks", status="completed").returning(Participant.id)).scalar_one()
            for k in range(pending // 100 + 1)]
        now = utcnow()
        rows = [{"campaign_id": campaign.id, "participant_id": authors[k // 100],
                 "source_item": f"s{k % 100}", "language": "en", "proposal": "accord",
                 "text": f"Statement {k}: a reason to agree, written by a participant.",
                 "status": "pending", "risk": (k * 7919 % 1000) / 1000, "flags": [],
                 # what triage stores: a MinHash signature of 64 64-bit values
                 "signature": [(k * 2654435761 + j * 40503) % 2**63 for j in range(64)],
                 "triaged_at": now, "created_at": now} for k in range(pending)]
        for start in range(0, pending, 2000):
            db.session.execute(insert(Statement), rows[start:start + 2000])
        db.session.commit()
    client = app.test_client()
    html = client.get("/admin/login").get_data(as_text=True)
    client.post("/admin/login", data={"csrf_token": TOKEN.search(html).group(1),
                                      "email": "bench@example.org", "password": PASSWORD})
    walls, cpus = [], []
    for _ in range(6):
        t0, c0 = time.perf_counter(), time.thread_time()
        response = client.get(f"/admin/campaign/{slug}/moderation")
        walls.append(1000 * (time.perf_counter() - t0))
        cpus.append(1000 * (time.thread_time() - c0))
        assert response.status_code == 200, response.status_code
        assert "Statement" in response.get_data(as_text=True)
    return {"pending": pending, "wall_ms": min(walls[1:]), "cpu_ms": min(cpus[1:]),
            "first_wall_ms": walls[0]}


def lines(results: list[dict]) -> list[str]:
    out = ["## The exchange step beside participant pages, and the moderation queue", "",
           "`bench/exchange_steps.py`: the app's own CPU per request (thread time, Flask test "
           "client, medians), so the ratios do not depend on what else the machine runs.", "",
           "| backend | page view ms | card view ms | card / page view (goal <= 1.5x) "
           "| page save ms | rating save ms | rating / page save (goal <= 1.5x) "
           "| moderation queue, pending | queue ms wall (CPU) (goal < 100 ms) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        med = {k: statistics.median(v) if v else float("nan") for k, v in r["cpu_ms"].items()}
        view = med["card view"] / med["page view"]
        save = med["rating save"] / med["page save"]
        q = r["queue"] or {}
        out.append(
            f"| {r['backend']} | {med['page view']:.2f} | {med['card view']:.2f} "
            f"| {view:.2f}x: {'met' if view <= 1.5 else '**missed**'} "
            f"| {med['page save']:.2f} | {med['rating save']:.2f} "
            f"| {save:.2f}x: {'met' if save <= 1.5 else '**missed**'} "
            f"| {q.get('pending', 0):,} | {q.get('wall_ms', float('nan')):.0f} "
            f"({q.get('cpu_ms', float('nan')):.0f}): "
            f"{'met' if q.get('wall_ms', 1e9) < 100 else '**missed**'} |")
    counts = {k: len(v) for k, v in results[0]["cpu_ms"].items()}
    out += ["", "Requests measured per backend: " + ", ".join(f"{k} {n}"
                                                          for k, n in counts.items()) + ".", ""]
    return out


def bench_steps(args, report: dict) -> None:
    """``bench/run steps``: both backends (``--backends``), 40 participants each."""
    report["steps"] = [measure(b, 40, 10_000) for b in args.backends]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--pending", type=int, default=10_000)
    args = parser.parse_args()
    results = [measure(b, args.participants, args.pending) for b in args.backend]
    print("\n".join(lines(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
