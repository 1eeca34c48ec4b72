"""Provides the catalog and calendar a node works under, and pulling new versions.

During sync the node fetches the latest signed catalogs from its hub: the prefecture's
(checked with the prefecture's key, which the county vouches for) and the county's local
items (checked with the county's pinned key). A version is swapped in whole, in one
transaction, and never for an older one. Until a first pull, the bundled sample catalog and
the built-in calendar serve, so a new PC works on day one with no network.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import casework
from sync_protocol import (
    HubInfo,
    MalformedInput,
    SignedDocument,
    VerifyKey,
    verify_document,
)

from .enrollment import pinned_hub
from .home import NodeHome
from .projection import refresh_deadlines
from .store import get_json_setting, set_setting

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = [
    "available_items",
    "center_level",
    "current_calendar",
    "current_catalog",
    "pull_catalog",
    "take_catalog_bundle",
]

_SLOTS = ("prefecture", "county")


def center_level(home: NodeHome) -> str:
    """A 9-digit code is a township center, a 6-digit one a county center."""
    return "township" if len(home.center_code) == 9 else "county"


def current_catalog(home: NodeHome) -> casework.Catalog:
    """The prefecture's catalog with the county's local items, or the bundled sample."""
    prefecture, county = (_stored(home, slot) for slot in _SLOTS)
    if prefecture is None:
        return casework.load_sample_catalog()
    catalog = _catalog_of(json.dumps(prefecture.body["catalog"], sort_keys=True))
    if county is not None:
        local = _catalog_of(json.dumps(county.body["catalog"], sort_keys=True))
        catalog = casework.merge_catalogs(catalog, local)
    return catalog


def current_calendar(home: NodeHome) -> casework.WorkCalendar:
    """National days, then the layers the prefecture published (or the built-in ones)."""
    prefecture = _stored(home, "prefecture")
    if prefecture is None or not prefecture.body["calendar_layers"]:
        return casework.default_calendar()
    layers = _layers_of(json.dumps(prefecture.body["calendar_layers"], sort_keys=True))
    return casework.WorkCalendar((casework.national_layer(), *layers))


def available_items(home: NodeHome, *, on_date: date | None = None) -> list[casework.Item]:
    """Items this center may accept on that day, by code."""
    return current_catalog(home).available_at(center_level(home), on_date or date.today())


def pull_catalog(home: NodeHome, client: HubClient) -> list[str]:
    """Fetches the hub's catalogs, checks their signatures, keeps newer ones.

    Returns:
        The versions newly taken.

    Raises:
        BadSignature, MalformedInput: a catalog not signed by whom it must be.
    """
    return take_catalog_bundle(home, client.call_json("GET", "/v1/catalog"))


def take_catalog_bundle(home: NodeHome, bundle: dict[str, Any]) -> list[str]:
    """Checks a catalog bundle (from the hub over HTTP, or a USB folder), keeps newer ones.

    Returns:
        The versions newly taken.

    Raises:
        BadSignature, MalformedInput: a catalog not signed by whom it must be.
    """
    if not isinstance(bundle, dict):  # a stick's file or a hub's answer: peer input
        raise MalformedInput("catalog bundle must be a JSON object")
    _, hub = pinned_hub(home)
    _take_revocations(home, hub, bundle.get("revocations"))
    keys = {"prefecture": _prefecture_key(hub, bundle), "county": hub.verify_key()}
    taken: dict[str, SignedDocument] = {}
    for slot in _SLOTS:
        raw = bundle.get(slot)
        if not raw or keys[slot] is None:
            continue
        document = SignedDocument.from_dict(raw)
        body = verify_document(document, keys[slot], kind="catalog")  # type: ignore[arg-type]
        if _is_newer(body, _stored(home, slot)):
            _check_usable(body)
            taken[slot] = document
    if taken:
        with home.database.transaction() as conn:
            for slot, document in taken.items():
                set_setting(conn, f"catalog_{slot}", document.to_dict())
        # A new calendar may settle provisional deadlines (or move them): recount them all.
        with home.database.transaction() as conn:
            refresh_deadlines(conn, current_calendar(home), today=date.today())
    return [document.body["version"] for document in taken.values()]


def _take_revocations(home: NodeHome, hub: HubInfo, raw: Any) -> None:
    """Keeps the hub's newest signed list of revoked nodes; if this node is on it, notes so
    (the hub refuses its batches from now on; `status` and the window say why)."""
    if not raw:
        return
    document = SignedDocument.from_dict(raw)
    body = verify_document(document, hub.verify_key(), kind="revocations")
    revoked = body.get("revoked")
    if not (
        isinstance(body.get("issued_at"), str)
        and isinstance(revoked, list)
        and all(
            isinstance(r, dict) and isinstance(r.get("node_id"), str) and "revoked_at" in r
            for r in revoked
        )
    ):
        raise MalformedInput("revocation list from the hub is not well formed")
    held = get_json_setting(home.conn, "revocations")
    if held and held["body"]["issued_at"] >= body["issued_at"]:
        return
    mine = next((r for r in body["revoked"] if r.get("node_id") == home.node_id), None)
    with home.database.transaction() as conn:
        set_setting(conn, "revocations", document.to_dict())
        if mine is not None:
            set_setting(conn, "revoked_at", str(mine["revoked_at"]))


def _prefecture_key(hub: HubInfo, bundle: dict[str, Any]) -> VerifyKey | None:
    """The prefecture's key: the hub's own, or the one the county hub vouches for."""
    if hub.tier == "prefecture":
        return hub.verify_key()
    endorsement = bundle.get("upstream")
    if not endorsement:
        return None
    body = verify_document(
        SignedDocument.from_dict(endorsement), hub.verify_key(), kind="upstream_hub"
    )
    try:
        return HubInfo(**body).verify_key()
    except TypeError as exc:
        raise MalformedInput(f"endorsed upstream hub is not a hub description: {exc}") from exc


def _check_usable(body: dict[str, Any]) -> None:
    """Refuses, before storing it, a signed catalog this software cannot read."""
    try:
        casework.catalog_from_dict(body["catalog"])
        for layer in body.get("calendar_layers", []):
            casework.layer_from_dict(layer)
    except (casework.CaseworkError, KeyError, TypeError) as exc:
        version = body.get("version")
        raise MalformedInput(f"catalog {version!r} from the hub is unusable: {exc}") from exc


def _is_newer(body: dict[str, Any], stored: SignedDocument | None) -> bool:
    if stored is None:
        return True
    try:
        if body["issuer"] != stored.body["issuer"]:
            return True  # a county re-linked to another prefecture: take what it now serves
        return int(body["sequence"]) > int(stored.body["sequence"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedInput(
            f"catalog from the hub lacks a usable issuer or sequence: {exc}"
        ) from exc


def _stored(home: NodeHome, slot: str) -> SignedDocument | None:
    raw = get_json_setting(home.conn, f"catalog_{slot}")
    return SignedDocument.from_dict(raw) if raw else None


@lru_cache(maxsize=8)
def _catalog_of(catalog_json: str) -> casework.Catalog:
    return casework.catalog_from_dict(json.loads(catalog_json))


@lru_cache(maxsize=4)
def _layers_of(layers_json: str) -> tuple[casework.CalendarLayer, ...]:
    return tuple(casework.layer_from_dict(layer) for layer in json.loads(layers_json))
