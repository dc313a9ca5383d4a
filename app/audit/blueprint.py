"""URL rules of the audit trail pages."""

from flask import Blueprint

from app.audit import views

bp = Blueprint("audit", __name__)

bp.add_url_rule("/audit", view_func=views.trail, methods=["GET"])
bp.add_url_rule("/audit.csv", view_func=views.trail_csv, methods=["GET"])
