"""Provides the pure domain core that township nodes and hubs both enforce.

Items and their catalog (事项目录), acceptance rules, applicant identity checks, the case state
machine, the working-day clock and the Liangshan org tree. No network, no database, no
environment: the only I/O is reading data files bundled in ``casework/data`` (and
``read_catalog_file``, which reads the spreadsheet it is given). See docs/domain.md.
"""

from __future__ import annotations

from casework.acceptance import (
    CENTER_NAMES,
    check_acceptance,
    check_fee,
    check_item_available,
    check_materials,
    receive_only_level,
)
from casework.actors import WINDOW_ACTIONS, actions_for, check_actor
from casework.applicant import ID_TYPES, USCC_ID_TYPE, Applicant, validate_applicant
from casework.case import OPEN_STATUSES, CaseState, Pause
from casework.catalog import COLUMNS as CATALOG_COLUMNS
from casework.catalog import (
    Catalog,
    Delegation,
    Item,
    Material,
    catalog_from_dict,
    catalog_to_dict,
    import_catalog_rows,
    item_from_dict,
    item_to_dict,
    merge_catalogs,
    read_catalog_file,
)
from casework.checkpoint import checkpoint_json, state_from_checkpoint
from casework.codes import (
    CATEGORIES,
    CERTIFICATE_KINDS,
    LEVELS,
    ONLINE_DEPTHS,
    POWER_SOURCES,
    TYPE_CODES,
    WORKFLOWS,
)
from casework.errors import (
    CaseworkError,
    CatalogConflict,
    CatalogImportError,
    CertificateCancelled,
    FeeNotAllowed,
    IllegalTransition,
    InvalidApplicant,
    InvalidCalendarLayer,
    InvalidCatalog,
    InvalidEvent,
    InvalidInput,
    ItemNotAvailable,
    KeyMaterialMissing,
    MaterialNotListed,
    NotFound,
    RowError,
    RuleViolation,
    UnknownItem,
    UnknownOrg,
)
from casework.events import (
    EVENT_LABELS_ZH,
    EVENT_TYPES,
    RESULT_CODES,
    STATUS_LABELS_ZH,
    STATUSES,
    ResultCode,
)
from casework.fixtures import (
    SAMPLE_APPLICANTS,
    load_sample_catalog,
    load_sample_county_catalog,
    sample_accept_payload,
)
from casework.history import (
    CaseEvent,
    CaseHistory,
    Fork,
    SetAside,
    continue_history,
    fold_history,
)
from casework.holidays import (
    CalendarLayer,
    layer_from_dict,
    layer_to_dict,
    liangshan_layer,
    national_layer,
)
from casework.identity import (
    IdentityWarning,
    ResidentId,
    complete_resident_id,
    complete_uscc,
    validate_resident_id,
    validate_uscc,
)
from casework.lifecycle import apply_event, fold, legal_actions
from casework.money import parse_yuan
from casework.names import normalize_name
from casework.orgs import PREFECTURE_CODE, Org, children_of, county_of, level_of, load_org_tree, org
from casework.phones import normalize_phone
from casework.supervision import case_deadline, case_light, paused_ranges
from casework.workdays import CHINA_TZ, Deadline, Light, WorkCalendar, default_calendar, local_date

__all__ = [
    "CATALOG_COLUMNS",
    "CATEGORIES",
    "CENTER_NAMES",
    "CERTIFICATE_KINDS",
    "CHINA_TZ",
    "EVENT_LABELS_ZH",
    "EVENT_TYPES",
    "ID_TYPES",
    "LEVELS",
    "ONLINE_DEPTHS",
    "OPEN_STATUSES",
    "POWER_SOURCES",
    "PREFECTURE_CODE",
    "RESULT_CODES",
    "SAMPLE_APPLICANTS",
    "STATUSES",
    "STATUS_LABELS_ZH",
    "TYPE_CODES",
    "USCC_ID_TYPE",
    "WINDOW_ACTIONS",
    "WORKFLOWS",
    "Applicant",
    "CalendarLayer",
    "CaseEvent",
    "CaseHistory",
    "CaseState",
    "CaseworkError",
    "Catalog",
    "CatalogConflict",
    "CatalogImportError",
    "CertificateCancelled",
    "Deadline",
    "Delegation",
    "FeeNotAllowed",
    "Fork",
    "IdentityWarning",
    "IllegalTransition",
    "InvalidApplicant",
    "InvalidCalendarLayer",
    "InvalidCatalog",
    "InvalidEvent",
    "InvalidInput",
    "Item",
    "ItemNotAvailable",
    "KeyMaterialMissing",
    "Light",
    "Material",
    "MaterialNotListed",
    "NotFound",
    "Org",
    "Pause",
    "ResidentId",
    "ResultCode",
    "RowError",
    "RuleViolation",
    "SetAside",
    "UnknownItem",
    "UnknownOrg",
    "WorkCalendar",
    "actions_for",
    "apply_event",
    "case_deadline",
    "case_light",
    "catalog_from_dict",
    "catalog_to_dict",
    "check_acceptance",
    "check_actor",
    "check_fee",
    "check_item_available",
    "check_materials",
    "checkpoint_json",
    "children_of",
    "complete_resident_id",
    "complete_uscc",
    "continue_history",
    "county_of",
    "default_calendar",
    "fold",
    "fold_history",
    "import_catalog_rows",
    "item_from_dict",
    "item_to_dict",
    "layer_from_dict",
    "layer_to_dict",
    "legal_actions",
    "level_of",
    "liangshan_layer",
    "load_org_tree",
    "load_sample_catalog",
    "load_sample_county_catalog",
    "local_date",
    "merge_catalogs",
    "national_layer",
    "normalize_name",
    "normalize_phone",
    "org",
    "parse_yuan",
    "paused_ranges",
    "read_catalog_file",
    "receive_only_level",
    "sample_accept_payload",
    "state_from_checkpoint",
    "validate_applicant",
    "validate_resident_id",
    "validate_uscc",
]
