"""Campaign designer: surveys known to the server, uploads, draft design, preview and test data.

Managers create a campaign from a shipped or uploaded survey, edit the
draft's design, take it as a test participant, and open it; opening pins
the design. Views (``views.py``) parse and render; ``operations.py``,
``uploads.py``, ``registry.py`` and ``testmode.py`` decide and write.
"""
