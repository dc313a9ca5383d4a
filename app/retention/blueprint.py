"""URL rules of the retention pages."""

from flask import Blueprint

from app.retention import views

bp = Blueprint("retention", __name__)

bp.add_url_rule("/campaign/<slug>/retention", view_func=views.retention,
                methods=["GET", "POST"])
bp.add_url_rule("/campaign/<slug>/participant", view_func=views.participant, methods=["POST"])
bp.add_url_rule("/campaign/<slug>/participant/delete", view_func=views.delete_participant,
                methods=["POST"])
