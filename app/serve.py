"""Serving Parley: gunicorn by default, werkzeug's development server behind ``--dev``.

``parley run`` builds the app once (set-up included), then hands it to
gunicorn in the same process; gunicorn forks its workers from there. Each
worker drops the database connections inherited from the parent and opens
its own, so no two processes ever share a connection.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from flask import Flask

__all__ = ["serve", "command_path"]


def command_path() -> str:
    """How to call ``parley`` from a fresh shell in any folder: its absolute path.

    A fresh shell has no virtual environment activated, so a bare ``parley``
    would not be found, and a relative ``.venv/bin/parley`` works only from
    the folder it was printed in (issue 19, 6).
    """
    script = Path(sys.argv[0])
    if script.name != "parley" or not script.exists():
        script = Path(sys.executable).parent / "parley"
    return str(script.absolute())


def _die_with_parent(master: int) -> None:
    """Linux: a worker is killed with its master (as the one process of the dev server was).

    Otherwise an orphaned worker would keep the port until it noticed.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    # Where prctl is missing, gunicorn's own check of its parent remains.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != master:  # the master died before the signal was armed
        os._exit(1)


def serve(app: Flask, host: str, port: int, workers: int, threads: int,
          timeout: int = 120) -> None:
    """Serve ``app`` with gunicorn until interrupted."""
    from gunicorn.app.base import BaseApplication

    from app.extensions import db

    with app.app_context():
        if app.config["PARLEY_JOBS"] == "thread":
            from app.exchange.triage_job import warm_model

            warm_model(db.session)  # loaded once here, shared by the forked workers
            db.session.remove()
        db.engine.dispose()  # no connection of the parent may reach a worker

    def post_fork(server, _worker):
        _die_with_parent(server.pid)
        with app.app_context():
            db.engine.dispose(close=False)

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "post_fork": post_fork,
        "accesslog": os.environ.get("PARLEY_ACCESS_LOG"),  # "-" for stdout
        # Paths and query strings may carry tokens and codes: logged redacted.
        "logger_class": "app.web.access_log.RedactingLogger",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "parley",
        "control_socket_disable": True,  # several servers may run side by side
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
