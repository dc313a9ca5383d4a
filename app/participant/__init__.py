"""The participant journey: landing, consent, pages, briefings, thanks, resume, withdraw."""
