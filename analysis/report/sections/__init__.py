"""One module per report section; each has ``ID``, ``HEADING`` and ``render(page)``.

``render`` returns the section's HTML body, or ``None`` when the section has
nothing to show for this export (no rankings asked, no follow-up wave).
"""
