"""URL rules of sign-in and the account pages (under /admin); the views live in views.py."""

from flask import Blueprint

from app.accounts import views

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/login", view_func=views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=views.logout, methods=["POST"])
bp.add_url_rule("/accounts", view_func=views.users, methods=["GET"])
bp.add_url_rule("/accounts/invite", view_func=views.invite, methods=["POST"])
bp.add_url_rule("/accounts/<int:user_id>/role", view_func=views.change_role, methods=["POST"])
bp.add_url_rule("/accounts/<int:user_id>/active", view_func=views.toggle_active,
                methods=["POST"])
bp.add_url_rule("/accounts/<int:user_id>/reset", view_func=views.reset, methods=["POST"])
bp.add_url_rule("/set-password/<token>", view_func=views.set_password, methods=["GET", "POST"])
bp.add_url_rule("/login/code", view_func=views.totp_verify, methods=["GET", "POST"])
bp.add_url_rule("/account/second-factor", view_func=views.totp_setup, methods=["GET", "POST"])
bp.add_url_rule("/campaign/<slug>/members", view_func=views.add_campaign_member,
                methods=["POST"])
bp.add_url_rule("/campaign/<slug>/members/<int:user_id>/remove",
                view_func=views.remove_campaign_member, methods=["POST"])
