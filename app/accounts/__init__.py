"""Team accounts: roles, campaign membership, sign-in with optional TOTP, invitations."""
