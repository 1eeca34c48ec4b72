"""Provides the clerk's window's widgets, one per file."""

from __future__ import annotations

from .applicant_form import FIELDS, ApplicantForm, check_field
from .case_table import LIGHTS, CaseTable, Light, light_of
from .item_picker import ItemPicker
from .key_footer import KeyFooter
from .link_indicator import LinkIndicator
from .materials_checklist import MaterialsChecklist
from .status_bar import StatusBar

__all__ = [
    "FIELDS",
    "LIGHTS",
    "ApplicantForm",
    "CaseTable",
    "ItemPicker",
    "KeyFooter",
    "Light",
    "LinkIndicator",
    "MaterialsChecklist",
    "StatusBar",
    "check_field",
    "light_of",
]
