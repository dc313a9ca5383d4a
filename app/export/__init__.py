"""The export contract's writer side (docs/export-format.md)."""
