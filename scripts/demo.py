"""`make demo`: a prefecture hub, a county hub and a township node under ./demo/.

Starts both hubs in the background, records a few cases at the township window, syncs them
to the county, forwards them to the prefecture and shows the prefecture's report. Run it
again to start over; `make demo-stop` stops the hubs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
DEMO = Path(os.environ.get("TOWNSHIP_DEMO_DIR") or ROOT / "demo")
"""Where the demo's homes go; the tests set TOWNSHIP_DEMO_DIR to keep ./demo as it is."""
sys.path.insert(0, str(ROOT))

from demo_stop import stop_hubs  # noqa: E402  (scripts/ is on sys.path)

from central_hub.reports import report_table  # noqa: E402
from sync_protocol import SUITE_NATIONAL, SUITES  # noqa: E402
from tests.factories import APPLICANTS, items_by_category  # noqa: E402

PREFECTURE, COUNTY, TOWNSHIP = "513400", "513431", "513431100"
ADMIN_PIN, CLERK_PIN = "135790", "2468"  # demo only
DASHBOARD_PASSWORD = "liangshan-demo"  # demo only


console = Console(record=True, width=100)


def say(zh: str, en: str) -> None:
    console.print(f"[bold cyan]▶ {zh}[/]  [dim]({en})[/]")


def cli(program: str, *args: str) -> dict:
    module = {"township-node": "township_node", "central-hub": "central_hub"}[program]
    result = subprocess.run(
        [sys.executable, "-m", module, *args, "--json"], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        sys.exit(f"demo: `{program} {' '.join(args)}` failed: {result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_hub(home: Path) -> str:
    port = free_port()
    with open(home / "serve.log", "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "central_hub",
                "serve",
                "--home",
                str(home),
                "--port",
                str(port),
                "--forward-interval",
                "10",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (home / "serve.pid").write_text(str(process.pid))
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url
        except httpx.TransportError:
            time.sleep(0.1)
    sys.exit(f"demo: hub at {home} did not start; see {home / 'serve.log'}")


def cross_level_round(node: Path, county: Path, county_url: str) -> str:
    """A case accepted at the township, decided at the county center, delivered back at the
    township window: 前台综合受理、后台分类审批、统一窗口出件."""
    center = DEMO / f"node-{COUNTY}"
    say("县政务服务中心窗口也运行同一软件并注册", "the county service center's node enrolls too")
    cli(
        "township-node",
        "init",
        "--home",
        str(center),
        "--center",
        COUNTY,
        "--name",
        "昭觉县政务服务中心",
    )
    code = cli("central-hub", "enroll-code", "--home", str(county), "--center", COUNTY)["code"]
    cli("township-node", "enroll", "--home", str(center), "--hub", county_url, "--code", code)

    say("乡镇受理、上报县级审批", "the township accepts a case and escalates it to the county")
    name, id_number, _ = APPLICANTS[1]
    case_no = cli(
        "township-node",
        "case",
        "accept",
        "--home",
        str(node),
        "--item",
        "SAMPLE-CL-004",
        "--applicant-name",
        name,
        "--id-number",
        id_number,
    )["case_no"]
    cli("township-node", "case", "escalate", case_no, "--home", str(node), "--to", COUNTY)
    cli("township-node", "sync", "--home", str(node))
    fed = cli("township-node", "sync", "--home", str(center))["feed"]
    console.print(
        f"   县中心收到 the county center received {fed['events']} 条事件 events: {case_no}"
    )
    cli("township-node", "case", "advance", case_no, "--home", str(center))
    cli("township-node", "case", "complete", case_no, "--home", str(center))
    cli("township-node", "sync", "--home", str(center))

    say("结果返回乡镇窗口，送达申请人", "the result comes back to the township window for delivery")
    cli("township-node", "sync", "--home", str(node))
    for alert in cli("township-node", "alerts", "--home", str(node), "--seen")["alerts"]:
        console.print(f"   提醒 alert: {alert['message_zh']}")
    cli("township-node", "case", "deliver", case_no, "--home", str(node))
    cli("township-node", "sync", "--home", str(node))
    shown = cli("township-node", "case", "show", case_no, "--home", str(node))
    console.print(
        f"   {case_no}: {shown['status']}"
        f"（{len(shown['history'])} 条事件 events, 两个中心 two centers）"
    )
    return case_no


def main() -> None:
    parser = argparse.ArgumentParser(description="make demo: three tiers under ./demo")
    parser.add_argument(
        "--suite",
        choices=SUITES,
        default=SUITE_NATIONAL,
        help="the prefecture's cipher suite, which every tier follows (default: the national "
        "suite SM2/SM3/SM4, 国密; `make demo SUITE=hpke-x25519-sha256-chacha20poly1305` for "
        "the other)",
    )
    suite = parser.parse_args().suite
    if DEMO.exists():
        stop_hubs(DEMO)
        time.sleep(0.5)
        shutil.rmtree(DEMO)
    DEMO.mkdir()
    pref, county, node = DEMO / "prefecture", DEMO / "county-513431", DEMO / "node-513431100"

    national = "国密 SM2/SM3/SM4" if suite == SUITE_NATIONAL else "国际算法 international"
    say(f"创建州、县两级中心（密码套件：{national}）", f"creating the hubs, cipher suite {suite}")
    cli(
        "central-hub",
        "init",
        "--home",
        str(pref),
        "--tier",
        "prefecture",
        "--org-code",
        PREFECTURE,
        "--name",
        "凉山州政务服务中心",
        "--suite",
        suite,
    )
    cli(
        "central-hub",
        "init",
        "--home",
        str(county),
        "--tier",
        "county",
        "--org-code",
        COUNTY,
        "--name",
        "昭觉县政务服务中心",
        "--suite",
        suite,
    )
    pref_url, county_url = start_hub(pref), start_hub(county)
    console.print(
        f"   州级中心 prefecture hub: {pref_url}\n   县级中心 county hub:     {county_url}"
    )

    say("昭觉县中心接入州中心", "linking the county hub to the prefecture")
    code = cli("central-hub", "enroll-code", "--home", str(pref), "--center", COUNTY)["code"]
    cli("central-hub", "link", "--home", str(county), "--upstream", pref_url, "--code", code)

    say("新城镇便民服务中心初始化并注册", "initialising and enrolling the 新城镇 township node")
    cli(
        "township-node",
        "init",
        "--home",
        str(node),
        "--center",
        TOWNSHIP,
        "--name",
        "新城镇便民服务中心",
    )
    code = cli("central-hub", "enroll-code", "--home", str(county), "--center", TOWNSHIP)["code"]
    cli("township-node", "enroll", "--home", str(node), "--hub", county_url, "--code", code)

    say("窗口受理办件（离线记录）", "recording cases at the window, offline")
    items = items_by_category()
    case_nos = []
    for applicant, item in zip(
        APPLICANTS,
        (
            items["licensing"],
            items["public_service"],
            items["public_service"],
            items["other_admin"],
        ),
        strict=True,
    ):
        name, id_number, phone = applicant
        extra = ["--phone", phone] if phone else []
        case_no = cli(
            "township-node",
            "case",
            "accept",
            "--home",
            str(node),
            "--item",
            item.code,
            "--applicant-name",
            name,
            "--id-number",
            id_number,
            *extra,
        )["case_no"]
        case_nos.append(case_no)
        console.print(f"   {case_no}  {item.name}  申请人 {name}")
    for _ in range(4):
        shown = cli("township-node", "case", "show", case_nos[0], "--home", str(node))
        if not {"handle", "review", "approve", "review_and_approve"} & set(shown["legal_actions"]):
            cli("township-node", "case", "complete", case_nos[0], "--home", str(node))
            break
        cli("township-node", "case", "advance", case_nos[0], "--home", str(node))
    cli(
        "township-node",
        "case",
        "refuse",
        case_nos[3],
        "--home",
        str(node),
        "--reason",
        "不属于本中心受理范围",
    )
    console.print(f"   办结 completed {case_nos[0]}; 不予受理 refused {case_nos[3]}")

    say("同步到县级中心", "syncing to the county hub")
    report = cli("township-node", "sync", "--home", str(node))
    console.print(
        f"   {report['events_sent']} 条事件 events in {report['batches_sent']} 批 batches, "
        f"{report['bytes_sent']} bytes on the wire"
    )

    escalated = cross_level_round(node, county, county_url)
    console.print(f"   上报件 escalated case {escalated} 将随县中心转发到州中心，只计一次")

    say("县级中心转发到州中心", "county hub forwards to the prefecture")
    forwarded = cli("central-hub", "forward", "--home", str(county))
    (left,) = cli("central-hub", "backlog", "--home", str(county))["counties"]
    waiting = sum(row["batches"] for row in left["nodes"])
    if forwarded["batches"]:
        console.print(
            f"   本次转发 {forwarded['batches']} 批 batches、{forwarded['events']} 条事件 events"
        )
    else:
        console.print(
            "   县中心后台每 10 秒自动转发，已先行送达，本次无需再转发"
            " (already forwarded by the county hub's background round)"
        )
    console.print(f"   县中心尚未转发的批次 batches not yet at the prefecture: {waiting}")

    say(f"州中心办件统计（{date.today():%Y年%m月%d日}）", "the prefecture's report")
    console.print(report_table(cli("central-hub", "report", "--home", str(pref))["rows"]))

    say("数据看板账号", "dashboard accounts for the county admin and the prefecture reviewer")
    for home, username, role, extra in (
        (county, "zj-admin", "county_admin", ["--county", COUNTY]),
        (pref, "reviewer", "prefecture", []),
    ):
        cli(
            "central-hub",
            "user",
            "add",
            username,
            "--role",
            role,
            *extra,
            "--name",
            username,
            "--password",
            DASHBOARD_PASSWORD,
            "--home",
            str(home),
        )
    console.print(
        f"   县级管理员 county admin: {county_url}/dash/  账号 zj-admin 密码 {DASHBOARD_PASSWORD}"
    )
    console.print(
        f"   州级审阅 reviewer:       {pref_url}/dash/  账号 reviewer 密码 {DASHBOARD_PASSWORD}"
    )
    nodes = cli("central-hub", "reconcile", "--home", str(county))["reconcile_nodes"]
    for row in nodes:
        console.print(f"   终端对账 {row['center_name']} {row['node_id']}: {row['state']}")

    say("设置窗口人员", "setting up the window's clerks")
    cli("township-node", "clerk", "set-admin", "--home", str(node), "--pin", ADMIN_PIN)
    cli(
        "township-node",
        "clerk",
        "add",
        "zhang",
        "--name",
        "张敏",
        "--pin",
        CLERK_PIN,
        "--admin-pin",
        ADMIN_PIN,
        "--home",
        str(node),
    )
    console.print(f"   管理员 admin: 工号 admin 密码 {ADMIN_PIN}")
    console.print(f"   窗口人员 clerk: 工号 zhang 密码 {CLERK_PIN}")
    console.print("\n接下来可以试试 (try next):")
    for said, command in (
        ("让以下命令找到演示终端 (point the commands at the demo node)",
         f"export TOWNSHIP_NODE_HOME={node}"),
        (f"窗口程序 the clerk's window (工号 zhang, 密码 {CLERK_PIN})", ".venv/bin/township-node"),
        ("办件列表 the case list", ".venv/bin/township-node case list"),
        ("一件办件 one case", f".venv/bin/township-node case show {case_nos[1]}"),
        ("推进一步 its next step", f".venv/bin/township-node case advance {case_nos[1]}"),
        ("同步并查看状态 sync, then the status",
         ".venv/bin/township-node sync && .venv/bin/township-node status"),
        ("县中心转发 the county forwards", f".venv/bin/central-hub forward --home {county}"),
        ("州中心统计 the prefecture's report", f".venv/bin/central-hub report --home {pref}"),
        ("停止演示中心 stop the demo hubs", "make demo-stop"),
    ):  # fmt: skip
        console.print(f"  [dim]# {said}[/]")
        console.print(f"  {command}", soft_wrap=True, highlight=False)
    console.save_svg(str(DEMO / "demo.svg"), title="make demo")
    if sys.stdin.isatty() and sys.stdout.isatty():
        say("打开窗口程序", "opening the clerk's window; Ctrl+Q quits")
        time.sleep(1.5)
        os.execv(sys.executable, [sys.executable, "-m", "township_node", "--home", str(node)])
    console.print(f"打开窗口程序 (open the clerk's window): .venv/bin/township-node --home {node}")


if __name__ == "__main__":
    main()
