"""URL rules of the live monitor."""

from flask import Blueprint

from app.monitor import views

bp = Blueprint("monitor", __name__)

bp.add_url_rule("/campaign/<slug>/monitor", view_func=views.monitor, methods=["GET"])
