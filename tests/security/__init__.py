"""Attacks, fuzzing, logs and keys: issue 8 (docs/security.md)."""
