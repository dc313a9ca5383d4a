"""One POST inserting one row through Flask-SQLAlchemy (BENCH_DATABASE_URL)."""

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_DATABASE_URL"]
db = SQLAlchemy(app)


class Row(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str]
    value: Mapped[int]


with app.app_context():
    if db.engine.dialect.name == "sqlite":  # the same journal settings as Parley's

        @event.listens_for(db.engine, "connect")
        def _pragmas(conn, _record):
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA busy_timeout = 15000")

        db.engine.dispose()
    db.create_all()


@app.post("/")
def insert():
    db.session.add(Row(participant=request.form["participant"], value=int(request.form["value"])))
    db.session.commit()
    return "ok"
