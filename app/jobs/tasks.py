"""The function an RQ worker calls (by its import path) for one job."""

from __future__ import annotations

from flask import current_app, has_app_context

__all__ = ["run_job"]


def run_job(job_id: int) -> None:
    """Run job ``job_id`` in the worker's app (``parley jobs worker`` provides one)."""
    from app.jobs.runner import run_in_app

    if has_app_context():
        run_in_app(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
        return
    from app import create_app

    run_in_app(create_app(), job_id)
