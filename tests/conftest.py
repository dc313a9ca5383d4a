"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Every test that uses ``app`` runs twice, once per backend. PostgreSQL tests
use the server on 127.0.0.1:5432 (database ``test``) inside a schema of their
own per test session, so parallel runs never see each other's rows. Without
a server those runs are skipped with the reason printed; with ``CI=true``
they fail instead, so CI can never pass without having tested PostgreSQL.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app import create_app
from app.accounts.passwords import hash_password
from app.campaigns.operations import create_campaign, set_status
from app.extensions import db
from app.jobs.runner import wait_for_threads
from app.models import Campaign, CampaignMember, User
from surveys import EXAMPLE

PG_URL = os.environ.get(
    "PARLEY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]
#: The account ``make_user`` and ``login`` use unless told otherwise.
OWNER_EMAIL, PASSWORD = "admin@example.org", "correct horse"


@pytest.fixture(scope="session")
def pg_schema():
    """A private schema on the test PostgreSQL server, dropped at the end."""
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}"
        engine.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    schema = f"parley_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def database_config(backend: str, request, tmp_path) -> dict:
    if backend == "sqlite":
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'parley.sqlite'}"}
    schema = request.getfixturevalue("pg_schema")
    return {
        "SQLALCHEMY_DATABASE_URI": PG_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            # The application name lets a test find (and drop) exactly this
            # app's connections, never another test run's.
            "connect_args": {"options": f"-csearch_path={schema}", "application_name": schema},
            "pool_size": 10,
            "max_overflow": 30,
        },
    }


def reset_schema() -> None:
    """Drop everything the models or the migrations may have created."""
    with db.engine.begin() as conn:
        for view in ("export_participants", "export_answers", "export_metadata"):
            conn.execute(sa.text(f"DROP VIEW IF EXISTS {view}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    db.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    """The app on a fresh, empty database of the test's backend."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap argon2 parameters keep sign-in tests fast; tests of the
        # production parameters set their own.
        "PARLEY_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        **database_config(backend, request, tmp_path),
    }
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(config)
    app.instance_path = str(instance)
    with app.app_context():
        reset_schema()
        db.create_all()
    yield app
    # A background job (app/jobs) still running would reconnect after the
    # engine is disposed below and leave a connection open into a later test.
    assert wait_for_threads(timeout=120), "a background job did not finish within 120 s"
    with app.app_context():
        db.session.remove()
        reset_schema()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_campaign(app) -> Callable:
    """Builder: an open campaign on the example survey (or any survey folder)."""

    def build(slug: str = "town", survey=EXAMPLE, status: str = "open", **options):
        with app.app_context():
            campaign = create_campaign(
                db.session, slug=slug, survey_folder=survey, actor="test", **options
            )
            if status != "draft":
                set_status(db.session, campaign, "open", "test")
            if status not in ("draft", "open"):
                set_status(db.session, campaign, status, "test")
            db.session.commit()
            return campaign.slug

    return build


def sign_in(client, email: str = OWNER_EMAIL, password: str = PASSWORD):
    """Sign ``client`` in through the real form (CSRF token and all); returns the response."""
    html = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post("/admin/login", data={"csrf_token": token, "email": email,
                                             "password": password})


@pytest.fixture
def make_user(app) -> Callable:
    """Builder: an account (by default the owner ``admin@example.org``), member of ``campaigns``."""

    def build(email: str = OWNER_EMAIL, password: str = PASSWORD, role: str = "owner",
              campaigns=()):
        with app.app_context():
            user = User(email=email, role=role, password_hash=hash_password(password))
            db.session.add(user)
            db.session.flush()
            for slug in campaigns:
                campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
                db.session.add(CampaignMember(campaign_id=campaign.id, user_id=user.id))
            db.session.commit()

    return build


@pytest.fixture
def login() -> Callable:
    """``login(client, email=..., password=...)``: sign a test client in (see :func:`sign_in`)."""
    return sign_in


@pytest.fixture
def admin(make_user, client):
    """The test client, signed in as the owner ``admin@example.org``."""
    make_user()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def signed_in(app, make_user) -> Callable:
    """Builder: a fresh client signed in as a new account of ``role``, member of ``campaigns``."""

    def build(email: str, role: str, campaigns=("town",)):
        make_user(email, role=role, campaigns=list(campaigns))
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        return client

    return build
