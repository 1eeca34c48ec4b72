"""Provides the clerk's window's dialogs, one per file."""

from __future__ import annotations

from .action_fields import escalation_target, fields_for, is_withdrawal, payload_for, results_now
from .confirm_dialog import ConfirmDialog
from .form_dialog import FieldSpec, FormDialog, FormError
from .help_dialog import HelpDialog
from .receipt_dialog import ReceiptDialog

__all__ = [
    "ConfirmDialog",
    "FieldSpec",
    "FormDialog",
    "FormError",
    "HelpDialog",
    "ReceiptDialog",
    "escalation_target",
    "fields_for",
    "is_withdrawal",
    "payload_for",
    "results_now",
]
