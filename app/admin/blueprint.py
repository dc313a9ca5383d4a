"""URL rules of the admin area; the views live in views.py."""

from flask import Blueprint

from app.admin import views

bp = Blueprint("admin", __name__, url_prefix="/admin")

bp.add_url_rule("/", view_func=views.dashboard, methods=["GET"])
bp.add_url_rule("/login", view_func=views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=views.logout, methods=["POST"])
bp.add_url_rule("/campaign/<slug>", view_func=views.campaign, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/status", view_func=views.change_status, methods=["POST"])
