"""Provides the clerk's window's screens, one per file."""

from __future__ import annotations

from .accept import AcceptScreen
from .admin_setup import AdminSetupScreen
from .case_detail import CaseScreen
from .cases import CasesScreen
from .clerks import ClerksScreen
from .sign_in import SignInScreen
from .statistics import StatisticsScreen
from .sync import SyncScreen
from .today import TodayScreen

__all__ = [
    "AcceptScreen",
    "AdminSetupScreen",
    "CaseScreen",
    "CasesScreen",
    "ClerksScreen",
    "SignInScreen",
    "StatisticsScreen",
    "SyncScreen",
    "TodayScreen",
]
