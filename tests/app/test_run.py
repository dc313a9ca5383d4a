"""``parley run``: gunicorn serves, and every command it prints works as printed."""

from __future__ import annotations

import importlib.metadata
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PARLEY = str(Path(sys.executable).parent / "parley")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_parley_version_is_parleys():
    result = subprocess.run([PARLEY, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"Parley {importlib.metadata.version('parley')}"


def test_run_serves_with_gunicorn_and_prints_commands_that_work_in_a_fresh_shell(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/parley.sqlite",
           "PARLEY_SECRET_KEY": "k" * 32, "FLASK_DEBUG": "0"}
    server = subprocess.Popen([PARLEY, "run", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    printed = {}
    try:
        deadline = time.monotonic() + 60
        while "Export" not in printed and time.monotonic() < deadline:
            line = server.stdout.readline()
            if ":" in line and line.startswith("  "):
                key, _, value = line.strip().partition(":")
                printed[key] = value.strip()
        assert "Export" in printed, printed
        link = printed["Participant link"]
        for _ in range(100):
            try:
                with urllib.request.urlopen(link, timeout=5) as response:
                    assert response.status == 200
                    assert response.headers["Server"].startswith("gunicorn")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"{link} did not answer")
        # The flagship has an exchange and the default thread runner triages in the
        # workers: they were forked with the profanity model (scikit-learn) loaded, so
        # no worker imports it beside its requests (app/exchange/triage_job.py warm_model).
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert workers
        for pid in workers:
            assert "/sklearn/" in Path(f"/proc/{pid}/maps").read_text(), pid
        # A fresh shell: no virtual environment on the PATH.
        fresh = {**env, "PATH": "/usr/bin:/bin"}
        fresh.pop("VIRTUAL_ENV", None)
        export = subprocess.run(shlex.split(printed["Export"]), cwd=tmp_path, env=fresh,
                                capture_output=True, text=True, check=False)
        assert export.returncode == 0, export.stderr
        assert (tmp_path / "exports" / "peace-in-europe" / "manifest.json").exists()
        reset = printed["Admin password"].split("reset with: ", 1)[1].rstrip(")")
        result = subprocess.run(shlex.split(reset), cwd=tmp_path, env=fresh,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0 and "new password" in result.stdout, result.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server.stdout.close()


def test_the_readme_names_the_export_format_version_the_code_writes():
    from app.export.codebook import FORMAT_VERSION

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"(format {FORMAT_VERSION})" in readme
