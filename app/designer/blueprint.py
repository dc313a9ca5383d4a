"""URL rules of the campaign designer (under /admin); the views live in views.py."""

from flask import Blueprint

from app.designer import views

bp = Blueprint("designer", __name__, url_prefix="/admin")

bp.add_url_rule("/surveys", view_func=views.surveys, methods=["GET"])
bp.add_url_rule("/surveys/upload", view_func=views.upload_survey, methods=["POST"])
bp.add_url_rule("/campaigns/new", view_func=views.new_campaign, methods=["GET", "POST"])
bp.add_url_rule("/campaign/<slug>/design", view_func=views.design, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/design", endpoint="save_design", view_func=views.save_design,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/preview", view_func=views.preview, methods=["POST"])
bp.add_url_rule("/campaign/<slug>/test-data/delete", view_func=views.delete_test_data,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/invites", view_func=views.invites, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/invites.csv", view_func=views.create_invites_csv,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/invites/revoke", view_func=views.revoke_invite,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/invites/revoke-all", view_func=views.revoke_all_invites,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/followup", view_func=views.followup, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/followup/open", view_func=views.open_followup,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/followup/close", view_func=views.close_followup,
                methods=["POST"])  # fmt: skip
bp.add_url_rule("/campaign/<slug>/followup.csv", view_func=views.followup_links_csv,
                methods=["POST"])  # fmt: skip
