"""URL rules of the export and report jobs."""

from flask import Blueprint

from app.jobs import views

bp = Blueprint("jobs", __name__)

bp.add_url_rule("/campaign/<slug>/exports", view_func=views.jobs, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/exports", endpoint="start_export",
                view_func=views.start_export, methods=["POST"])
bp.add_url_rule("/campaign/<slug>/report", view_func=views.start_report, methods=["POST"])
bp.add_url_rule("/campaign/<slug>/jobs/<int:job_id>/download", view_func=views.download,
                methods=["GET"])
