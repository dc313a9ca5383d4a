"""URL rules of the campaign pages; the factory registers them under /admin.

The views live in views.py (dashboard, campaign page, status) and
design_views.py (survey library, new campaign, design, test data, invites,
follow-up). A manager's preview is the journey's entry (app.participant.preview).
"""

from flask import Blueprint

from app.campaigns import design_views, panel_views, views

bp = Blueprint("campaigns", __name__)

bp.add_url_rule("/", view_func=views.dashboard, methods=["GET"])
bp.add_url_rule("/campaign/<slug>", view_func=views.campaign, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/status", view_func=views.change_status, methods=["POST"])

# The survey library and new campaigns.
bp.add_url_rule("/surveys", view_func=design_views.surveys, methods=["GET"])
bp.add_url_rule("/surveys/upload", view_func=design_views.upload_survey, methods=["POST"])
bp.add_url_rule("/campaigns/new", view_func=design_views.new_campaign, methods=["GET", "POST"])

# A campaign's design and its test data.
bp.add_url_rule("/campaign/<slug>/design", view_func=design_views.design, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/design", endpoint="save_design",
                view_func=design_views.save_design, methods=["POST"])
bp.add_url_rule("/campaign/<slug>/test-data/delete", view_func=design_views.delete_test_data,
                methods=["POST"])

# Invite codes.
bp.add_url_rule("/campaign/<slug>/invites", view_func=design_views.invites, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/invites.csv", view_func=design_views.create_invites_csv,
                methods=["POST"])
bp.add_url_rule("/campaign/<slug>/invites/revoke", view_func=design_views.revoke_invite,
                methods=["POST"])
bp.add_url_rule("/campaign/<slug>/invites/revoke-all", view_func=design_views.revoke_all_invites,
                methods=["POST"])

# The follow-up wave.
bp.add_url_rule("/campaign/<slug>/followup", view_func=design_views.followup, methods=["GET"])
bp.add_url_rule("/campaign/<slug>/followup/open", view_func=design_views.open_followup,
                methods=["POST"])
bp.add_url_rule("/campaign/<slug>/followup/close", view_func=design_views.close_followup,
                methods=["POST"])
bp.add_url_rule("/campaign/<slug>/followup.csv", view_func=design_views.followup_links_csv,
                methods=["POST"])

# The panel's submissions joined with each participant's outcome (nothing stored).
bp.add_url_rule("/campaign/<slug>/panel-match.csv", view_func=panel_views.panel_match_csv,
                methods=["POST"])
