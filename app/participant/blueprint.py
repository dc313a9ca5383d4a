"""URL rules of the participant journey; the views live in views.py.

``preview_bp`` is the journey's entry for a manager (preview.py): the
factory registers it under /admin with the campaign pages.
"""

from flask import Blueprint

from app.participant import followup_views, images, preview, views, workbench

bp = Blueprint("participant", __name__)

bp.add_url_rule("/", view_func=views.landing, methods=["GET"])
bp.add_url_rule("/start", view_func=views.start, methods=["POST"])
bp.add_url_rule("/decline", view_func=views.decline, methods=["POST"])
bp.add_url_rule("/go", view_func=views.show_step, methods=["GET"])
bp.add_url_rule("/step/<path:step_key>", view_func=views.submit, methods=["POST"])
bp.add_url_rule("/language", view_func=views.language, methods=["POST"])
bp.add_url_rule("/resume", view_func=views.resume, methods=["GET", "POST"])
bp.add_url_rule("/later", view_func=views.later, methods=["GET"])
bp.add_url_rule("/withdraw", view_func=views.withdraw, methods=["GET", "POST"])
bp.context_processor(views.template_helpers)

# The follow-up wave (app/participant/followup.py).
bp.add_url_rule("/followup", endpoint="followup_entry", view_func=followup_views.entry,
                methods=["GET", "POST"])
bp.add_url_rule("/followup/<code>", endpoint="followup_show", view_func=followup_views.show,
                methods=["GET"])
bp.add_url_rule("/followup/<code>/start", endpoint="followup_start",
                view_func=followup_views.start, methods=["POST"])
bp.add_url_rule("/followup/<code>/step/<path:step_key>", endpoint="followup_submit",
                view_func=followup_views.submit, methods=["POST"])

# A manager's preview: a test participant, then the real journey (app/participant/preview.py).
preview_bp = Blueprint("preview", __name__)
preview_bp.add_url_rule("/campaign/<slug>/preview", view_func=preview.start, methods=["POST"])
# The survey workbench: any known survey paged through, nothing written (workbench.py).
preview_bp.add_url_rule("/workbench/<source>/<folder>", endpoint="workbench",
                        view_func=workbench.workbench, methods=["GET"])

# A survey's images by version (app/participant/images.py): the factory registers it at /images.
images_bp = Blueprint("images", __name__)
images_bp.add_url_rule("/<version>/<name>", view_func=images.image, methods=["GET"])
