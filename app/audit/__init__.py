"""The audit trail: :func:`record_audit` is the one way to write it."""

from app.audit.operations import record_audit

__all__ = ["record_audit"]
