"""Panel links: read the panel's participant id and keep only its keyed hash.

A Prolific, MTurk or other panel link carries the panel's id for the person
(``PROLIFIC_PID``, ``workerId``, ...). Parley needs it for one thing: to know
that the same person came back, so they continue instead of starting again.
So it stores ``HMAC-SHA256(key, campaign slug + ":" + id)`` and never the id:

- the key is the server's *external-id key*, not the session secret (config
  ``PARLEY_EXTERNAL_ID_KEY``, else ``instance/external_id_key``, made on first
  use, mode 600): leaking one does not give away the other, and without the
  key a leaked hash cannot be checked against a list of known panel ids;
- the slug in the message makes the hashes of two campaigns unlinkable.

An id is 1-128 characters of letters, digits and ``. _ - : @``; anything else
(or none) gets a clear page instead of a new participant.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from flask import current_app

from app.campaigns.design import panel_settings
from app.models import Campaign

__all__ = ["external_id_key", "hash_external_id", "panel_id_from", "is_mturk_preview",
           "panel_study_session", "STUDY_SESSION_PARAMS",
           "EXTERNAL_ID_RE"]

EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
#: What MTurk sends while a worker only previews the HIT.
MTURK_PREVIEW = "ASSIGNMENT_ID_NOT_AVAILABLE"
KEY_FILE = "external_id_key"


def external_id_key() -> bytes:
    """The server's external-id key (never the session secret)."""
    key = current_app.config.get("PARLEY_EXTERNAL_ID_KEY")
    if not key:
        key = _instance_key(Path(current_app.instance_path))
        current_app.config["PARLEY_EXTERNAL_ID_KEY"] = key
    if key == current_app.config.get("SECRET_KEY"):
        raise RuntimeError("PARLEY_EXTERNAL_ID_KEY must differ from the session secret")
    return key.encode()


def _instance_key(instance: Path) -> str:
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()


def hash_external_id(campaign: Campaign, external_id: str) -> str:
    """The keyed hash stored for ``external_id`` in ``campaign``."""
    message = f"{campaign.slug}:{external_id}".encode()
    return hmac.new(external_id_key(), message, hashlib.sha256).hexdigest()


def panel_id_from(campaign: Campaign, args) -> str | None:
    """The valid panel id in the request arguments ``args``, or None."""
    settings = panel_settings(campaign)
    if settings is None:
        return None
    value = (args.get(settings.id_param) or "").strip()
    return value if EXTERNAL_ID_RE.match(value) else None


#: The study and session parameters of each panel preset (issue 19: kept, exported).
STUDY_SESSION_PARAMS = {"prolific": ("STUDY_ID", "SESSION_ID"), "mturk": ("hitId", "assignmentId")}


def panel_study_session(campaign: Campaign, values) -> tuple[str | None, str | None]:
    """The panel's (study id, session id) in the link or start form, each None if absent."""
    params = STUDY_SESSION_PARAMS.get(campaign.access)
    if params is None:
        return None, None
    found = [(values.get(p) or "").strip() for p in params]
    return tuple(v if EXTERNAL_ID_RE.match(v) else None for v in found)  # type: ignore[return-value]


def is_mturk_preview(campaign: Campaign, args) -> bool:
    """An MTurk worker previewing the HIT (not accepted yet): show, do not start."""
    return campaign.access == "mturk" and args.get("assignmentId") == MTURK_PREVIEW
