"""At rest and in logs: key files are 0600 and their bytes never reach a log or the CLI's
output; hub and node logs are JSON lines with ID numbers and mobile numbers masked."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sync_protocol import mask_personal_data
from tests.conftest import ROOT, run_cli
from tests.factories import APPLICANTS
from tests.security.conftest import TOWNSHIP

pytestmark = pytest.mark.e2e

MOBILES = [phone for _, _, phone in APPLICANTS if phone.startswith("1")]
ID_NUMBERS = [id_number for _, id_number, _ in APPLICANTS]


def _json_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        assert {"ts", "level", "logger", "message"} <= set(line), line
    return lines


def _secrets_of(key_file: Path) -> list[str]:
    """Every private key in a key file, in the spellings a leak could take."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) >= 40:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            found.extend([value, raw.hex(), base64.b64encode(raw).decode()])

    walk(json.loads(key_file.read_text(encoding="utf-8")))
    assert found, f"no keys found in {key_file}"
    return found


def test_masking_keeps_the_ends_and_leaves_other_numbers_alone():
    id_number, phone = ID_NUMBERS[0], MOBILES[0]
    masked = mask_personal_data(f"申请人 {id_number}，电话{phone}; url ?q={id_number}&p={phone}")
    assert id_number not in masked and phone not in masked
    assert masked.count(f"{id_number[:4]}{'*' * 10}{id_number[-4:]}") == 2
    assert masked.count(f"{phone[:3]}****{phone[-4:]}") == 2
    # inside a hex string or a longer number, 18 or 11 digits are no ID number or phone
    other = f"hash ab{id_number}cd, seq 1{id_number}, key 0{phone}9"
    assert mask_personal_data(other) == other


def test_key_files_are_private_to_their_owner(network):
    for path in (
        network.county.home / "keys/hub-keys.json",
        network.nodes["clerk"] / "keys/node-keys.json",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent


def test_hub_log_holds_json_lines_with_id_numbers_and_phones_masked(network):
    county = network.county
    id_number, phone = ID_NUMBERS[0], MOBILES[0]
    # A search typed into the dashboard and a hostile enrollment both carry them to the log.
    httpx.get(f"{county.url}/dash/login", params={"q": id_number, "phone": phone}, timeout=30)
    registration = {"node_id": f"{id_number}-{phone}", "center_code": TOWNSHIP}
    answer = httpx.post(f"{county.url}/v1/enroll", json={"registration": registration}, timeout=30)
    assert answer.status_code == 400
    masked_id = f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    deadline = time.monotonic() + 10
    while f"/dash/login?q={masked_id}" not in (text := network.log(county)):
        assert time.monotonic() < deadline, "uvicorn never logged the request"
        time.sleep(0.05)  # uvicorn writes its access line after the answer
    lines = _json_lines(text)
    assert {line["logger"] for line in lines} >= {"uvicorn.access", "central_hub"}
    for secret in [*ID_NUMBERS, *MOBILES]:
        assert secret not in text
    assert masked_id in text and f"{phone[:3]}****{phone[-4:]}" in text


def test_no_private_key_reaches_a_hub_log_or_the_cli_output(network, tmp_path):
    outputs = [network.log(network.county), network.log(network.prefecture)]
    for args in (
        ("central-hub", "init", "--home", str(tmp_path / "hub"), "--tier", "county"),
        ("township-node", "init", "--home", str(tmp_path / "node"), "--center", TOWNSHIP),
    ):
        extra = (
            ("--org-code", "513431", "--name", "县")
            if args[0] == "central-hub"
            else ("--name", "镇")
        )
        result = run_cli(*args, *extra, "--json")
        outputs += [result.stdout, result.stderr]
    result = run_cli("township-node", "status", "--home", str(tmp_path / "node"), "--json")
    outputs += [result.stdout, result.stderr, (tmp_path / "node/node.log").read_text()]
    secrets = [
        *_secrets_of(tmp_path / "hub/keys/hub-keys.json"),
        *_secrets_of(tmp_path / "node/keys/node-keys.json"),
        *_secrets_of(network.county.home / "keys/hub-keys.json"),
        *_secrets_of(network.nodes["clerk"] / "keys/node-keys.json"),
    ]
    for secret in secrets:
        assert all(secret not in output for output in outputs)


def test_node_log_is_a_private_json_file_with_personal_data_masked(tmp_path):
    home = tmp_path / "node"
    run_cli("township-node", "init", "--home", str(home), "--center", TOWNSHIP, "--name", "镇")
    id_number, phone = ID_NUMBERS[0], MOBILES[0]
    # The node's own logging setup, in a real process, given a line that names an applicant.
    script = (
        "import logging, sys, pathlib\n"
        "from township_node.logs import configure_node_logging\n"
        "configure_node_logging(pathlib.Path(sys.argv[1]))\n"
        "logging.getLogger('township_node.casebook').warning(\n"
        "    'accept failed for %s', sys.argv[2], extra={'phone': sys.argv[3]})\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(home), id_number, phone], cwd=ROOT, check=True
    )
    log_file = home / "node.log"
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    lines = _json_lines(log_file.read_text(encoding="utf-8"))
    (line,) = [line for line in lines if line["logger"] == "township_node.casebook"]
    assert line["level"] == "WARNING"
    assert line["message"] == f"accept failed for {id_number[:4]}{'*' * 10}{id_number[-4:]}"
    assert line["phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert id_number not in log_file.read_text() and phone not in log_file.read_text()
