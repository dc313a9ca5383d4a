"""Campaigns: everything an administrator does to one, and the fielding rules it sets.

Pages (registered under /admin by the factory; rules in blueprint.py):
the dashboard, a campaign's page and status (views.py); the survey
library, a new campaign, the design and its test data, invite codes and
the follow-up wave (design_views.py); their forms (forms.py) and templates
(app/templates/campaigns/).

Rules and operations, shared with the journey, the CLI and the tests:
creating, opening, pausing, closing, designing (operations.py, design.py),
the pinned survey (surveys.py, cache.py), allocation to arms
(allocation.py), invite and resume codes (invites.py, invite_list.py,
tokens.py), the follow-up links (followup.py), the survey library and
uploads (library.py, uploads.py), test data (testdata.py) and the counts the
campaign pages show (counts.py). ``parley`` commands: cli.py, library_cli.py.

A campaign page imports no participant module: a manager's preview, which
enters the journey, is app.participant.preview.
"""
