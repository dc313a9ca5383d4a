"""URL rules of the argument exchange; the views live in the *_views modules.

Two blueprints, their URL prefixes set in the factory (``app/__init__.py``):
``exchange`` for participants (under the campaign's participant URLs) and
``exchange_admin`` for the moderation queue and the exchange's campaign pages.
"""

from flask import Blueprint

from app.exchange import admin_views, freeze_views, participant_views

bp = Blueprint("exchange", __name__)
bp.add_url_rule("/statement", view_func=participant_views.statement, methods=["GET", "POST"])
bp.app_context_processor(lambda: {"own_statements": participant_views.own_statements})

admin_bp = Blueprint("exchange_admin", __name__)
admin_bp.add_url_rule("/moderation", view_func=admin_views.queues, methods=["GET"])
admin_bp.add_url_rule("/campaign/<slug>/moderation", view_func=admin_views.queue,
                      methods=["GET"])
admin_bp.add_url_rule("/campaign/<slug>/moderation/<int:statement_id>",
                      view_func=admin_views.decide, methods=["POST"])
admin_bp.add_url_rule("/campaign/<slug>/exchange/freeze", view_func=freeze_views.freeze_page,
                      methods=["GET", "POST"])
