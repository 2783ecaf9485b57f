"""`muster`: run the broker, workers and API; mint tokens; load sample data."""
from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape

from api.auth import mint
from bus.topics import TopicLayoutError, ensure_topics
from core.settings import ROOT, get_settings
from formats.hsds import DEFAULT_TYPES
from muster import broker, hsds
from muster.logs import configure
from muster.processes import Child, worker_args
from muster.seed import admin_client, calls_from, load_sample, send, wait_ready

cli = typer.Typer(
    help="Muster: emergency response coordinator for Ontario.", no_args_is_help=True, pretty_exceptions_enable=False
)
broker_cli = typer.Typer(help="The local Apache Kafka (KRaft) broker, or a cluster of them.", no_args_is_help=True)
cli.add_typer(broker_cli, name="broker")
import_cli = typer.Typer(help="Bring records from other systems in through the API.", no_args_is_help=True)
cli.add_typer(import_cli, name="import")
export_cli = typer.Typer(help="Write Muster's records out in other systems' formats.", no_args_is_help=True)
cli.add_typer(export_cli, name="export")
console = Console()


def _logging(level: str = "INFO") -> None:
    configure(level)


NODES = typer.Option(None, help="brokers in the cluster (default MUSTER_BROKER_NODES, 1); node i uses PORT+2(i-1)")


@broker_cli.command("start")
def broker_start(port: int | None = typer.Option(None), home: Path | None = typer.Option(None),
                 nodes: int | None = NODES) -> None:
    """Fetch Apache Kafka from Maven Central if needed, then start it, or every node of a cluster not
    running yet (idempotent)."""
    settings = get_settings()
    _logging()
    bootstrap = broker.start(port or settings.broker_port, home or settings.broker_home,
                             nodes=nodes or settings.broker_nodes)
    console.print(f"Kafka answering at [bold]{bootstrap}[/bold]")


@broker_cli.command("stop")
def broker_stop(home: Path | None = typer.Option(None)) -> None:
    """Stop the local broker, or every node of a cluster; the data stays for the next start."""
    broker.stop(home or get_settings().broker_home)
    console.print("Kafka broker stopped")


@broker_cli.command("status")
def broker_status(port: int | None = typer.Option(None), home: Path | None = typer.Option(None),
                  nodes: int | None = NODES) -> None:
    """Is the local broker (or every node of a cluster) running and answering?"""
    settings = get_settings()
    console.print(broker.status(port or settings.broker_port, home or settings.broker_home,
                                nodes or settings.broker_nodes))


def _topics_ready(settings) -> None:
    """Create missing topics before a process starts, or say why it cannot start, without a
    traceback: topics laid out for other settings (exit 2, naming each and the setting to change),
    or no answer from Kafka within MUSTER_KAFKA_WAIT_S (exit 1)."""


    try:
        asyncio.run(ensure_topics(settings))
    except TopicLayoutError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    except (TimeoutError, KafkaError, OSError) as exc:
        console.print(f"[red]Kafka at {escape(settings.kafka_bootstrap)} did not answer within "
                      f"{settings.kafka_wait_s:g} s (MUSTER_KAFKA_WAIT_S): {escape(str(exc))}. Is the broker "
                      "running? `muster broker start` runs one on this machine.[/red]")
        raise typer.Exit(1) from None


def _safe_to_serve(settings) -> None:
    """Refuse to start (exit 2) on a token secret anyone could know, unless in development mode,
    which is said aloud: the default secret is public, so anyone can sign an admin token with it."""
    problem = settings.unsafe_secret()
    if problem is not None:
        console.print(f"[red]{escape(problem)}[/red]")
        raise typer.Exit(2)
    if settings.dev_mode:
        console.print("[yellow]Development mode (MUSTER_DEV_MODE): a public or short token secret is accepted "
                      "and demo tokens may be handed to this machine. Never use it in deployment.[/yellow]")


@cli.command()
def worker(loglevel: str = typer.Option("info")) -> None:
    """Run one Faust worker; start more with other MUSTER_WORKER_ID values to scale out."""
    import faust

    from muster.bootstrap import build_worker

    settings = get_settings()
    _logging(loglevel.upper())
    _safe_to_serve(settings)
    _topics_ready(settings)
    app = build_worker(settings)
    faust.Worker(app, loglevel=loglevel, override_logging=False).execute_from_commandline()


@cli.command()
def api(host: str | None = typer.Option(None), port: int | None = typer.Option(None)) -> None:
    """Serve the HTTP API and dashboard."""
    import uvicorn

    from api.serving import server_config
    from muster.bootstrap import build_api

    settings = get_settings()
    _logging()
    _safe_to_serve(settings)
    _topics_ready(settings)
    # In JSON mode uvicorn's own loggers pass through the root handler, so every line is JSON.
    own_logging: dict[str, Any] = {"log_config": None} if settings.log_format == "json" else {}
    config = server_config(build_api(settings), settings, host or settings.api_host, port or settings.api_port,
                           log_level="info", access_log=False, **own_logging)
    uvicorn.Server(config).run()


@cli.command()
def token(
    role: str = typer.Argument(..., help="manager, partner, navigator or admin"),
    partner: str | None = typer.Option(None, "--partner", help="the partner id, for partner tokens"),
    sub: str | None = typer.Option(None, help="who the token names (default: the role)"),
    ttl: int | None = typer.Option(None, help="seconds until it expires"),
) -> None:
    """Print a bearer token for ROLE, signed with MUSTER_TOKEN_SECRET."""
    try:
        typer.echo(mint(get_settings(), role, sub=sub, partner_id=partner, ttl_s=ttl))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:>18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _api_base(url: str | None) -> str:
    """The API to talk to, once it answers ready; quiet logging so progress bars stay whole."""
    settings = get_settings()
    _logging("WARNING")
    base = url or f"http://{settings.api_host}:{settings.api_port}"
    try:
        wait_ready(base, deadline_s=120)
    except TimeoutError as exc:
        console.print(f"[red]{escape(str(exc))}: is `muster api` running?[/red]")
        raise typer.Exit(1) from None
    return base


@cli.command()
def seed(url: str = typer.Option(None, help="API base URL (default from settings)")) -> None:
    """Load the Ontario sample data (partners, shelters, service sites, ice-storm scenario) through the API."""
    base = _api_base(url)
    with _progress() as progress:
        load_sample(base, get_settings(), console, progress)


@cli.command()
def replay(
    scenario: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                    help="a JSON file shaped like muster/data/scenario_ice_storm.json"),
    rate: float | None = typer.Option(None, "--rate", min=0.01, help="events per second (default: as fast as "
                                         "the API answers)"),
    url: str | None = typer.Option(None, help="API base URL (default from settings)"),
) -> None:
    """Replay a scenario through the API, in order; exits 1 if the API refused any event."""
    from rich.table import Table


    try:
        calls = calls_from(json.loads(scenario.read_text("utf-8")), scenario.name)
    except (UnicodeDecodeError, ValueError) as exc:
        console.print(f"[red]cannot replay {escape(str(scenario))}: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    if not calls:
        console.print(f"[red]{escape(str(scenario))} lists nothing to replay[/red]")
        raise typer.Exit(2)
    base = _api_base(url)
    with admin_client(base, get_settings(), "scenario-replay") as client, _progress() as progress:
        tally = send(client, calls, rate=rate, progress=progress)
    refused = tally.refused_by_kind()
    table = Table(title=escape(f"Replay of {scenario.name}"))
    for column in ("kind", "accepted", "refused"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind in dict.fromkeys(call.kind for call in calls):
        table.add_row(kind, str(tally.accepted[kind]), str(refused[kind]))
    console.print(table)
    for refusal in tally.refused:
        console.print(f"[red]{escape(refusal.call.ref)}: {refusal.status} {escape(refusal.reason)}[/red]")
    if tally.refused:
        raise typer.Exit(1)


@import_cli.command("hsds")
def import_hsds(
    path: Path = typer.Argument(..., exists=True, help="an HSDS 3.0 CSV package (a folder) or an HSDS JSON file"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and report; send nothing"),
    report: Path | None = typer.Option(None, "--report", dir_okay=False, help="also write the report here as JSON"),
    default_type: str | None = typer.Option(
        None, "--default-type", help="service type for services whose taxonomy terms and name do not say one "
                                     "(each is listed as a warning); without it they are rejected"),
    url: str | None = typer.Option(None, help="API base URL (default from settings)"),
) -> None:
    """Load shelters and every other 211 service from an Open Referral HSDS 3.0 directory.

    Beds need Muster's x_muster_capacity extension. Exits 1 when no site was accepted or the API
    refused any; rejected rows alone do not fail it."""
    if default_type is not None and default_type not in DEFAULT_TYPES:
        console.print(f"[red]--default-type must be one of {', '.join(DEFAULT_TYPES)}[/red]")
        raise typer.Exit(2)
    try:
        directory = hsds.load(path, default_type)
    except hsds.PackageError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    tally = None
    if not dry_run and (directory.shelters or directory.services):
        base = _api_base(url)
        with admin_client(base, get_settings(), "hsds-import") as client, _progress() as progress:
            tally = send(client, hsds.calls(directory), progress=progress)
    summary = hsds.report(path, directory, tally)
    hsds.show(summary, console)
    if report is not None:
        report.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not summary["accepted"]:
        console.print(f"[red]no shelter or service {'would be' if dry_run else 'was'} accepted[/red]")
        raise typer.Exit(1)
    if summary["refused"]:
        console.print("[red]the API refused some sites; see above[/red]")
        raise typer.Exit(1)


@export_cli.command("hsds")
def export_hsds(
    folder: Path = typer.Argument(..., file_okay=False, help="where to write the CSV package"),
    url: str | None = typer.Option(None, help="API base URL (default from settings)"),
) -> None:
    """Write the shelters and services as an Open Referral HSDS 3.0 CSV package, with Muster's extensions."""
    base = _api_base(url)
    with admin_client(base, get_settings(), "hsds-export") as client:
        shelters, services = hsds.export(client, folder)
    console.print(f"wrote {shelters} shelters and {services} services to {escape(str(folder))} as an HSDS 3.0 package")


@cli.command("run")
@cli.command("up", hidden=True)
def up(workers: int = typer.Option(1, min=1, max=8)) -> None:
    """Start everything locally: broker, worker(s), API; load sample data; Ctrl-C or SIGTERM stops it."""
    settings = get_settings()
    _logging()
    _safe_to_serve(settings)
    bootstrap = broker.start(settings.broker_port, settings.broker_home, nodes=settings.broker_nodes)
    console.print(f"Kafka at {bootstrap}")
    env = {"MUSTER_KAFKA_BOOTSTRAP": bootstrap}
    logs = ROOT / ".muster" / "logs"
    children = [Child(f"worker-{i}", *worker_args(str(i), env), logs).start() for i in range(1, workers + 1)]
    children.append(Child("api", ["-m", "muster.cli", "api"], env, logs).start())
    console.print(f"worker and API logs in {escape(str(logs))}")
    base = f"http://{settings.api_host}:{settings.api_port}"
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        wait_ready(base, deadline_s=120)
        load_sample(base, settings, console)
        console.print(f"\n[bold green]Muster is running[/bold green]: API and dashboard at {base}/ , docs at {base}/docs")
        console.print("Tokens: `muster token manager`, `muster token navigator`, `muster token partner --partner ID`")
        while all(child.running for child in children):
            time.sleep(1)
        console.print("[red]a Muster process exited; stopping the rest[/red]")
        for child in children:
            if not child.running:
                console.print(escape(f"--- {child.name} ---\n{child.log_tail()}"))
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("stopping Muster")
    finally:
        for child in children:
            child.stop(timeout=20)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@cli.command()
def bench(
    quick: bool = typer.Option(False, "--quick", help="smaller sizes and a 30 s idle: about 4 minutes"),
    only: str | None = typer.Option(
        None, "--only", help="sections to run, comma-separated: a/throughput, b/latency, c/search, d/hazards, e/api, f/services; the others keep their last figures"
    ),
    bootstrap: str | None = typer.Option(
        None, "--bootstrap", help="Kafka bootstrap (default MUSTER_KAFKA_BOOTSTRAP; the local broker is started if none answers)"
    ),
    idle_s: float | None = typer.Option(None, "--idle-s", help="idle before the first-referral-after-idle probe (30 quick, 600 full)"),
    profile: bool = typer.Option(True, "--profile/--no-profile", help="py-spy the worker and API while measuring, if installed"),
    output: Path | None = typer.Option(None, "--output", help="folder for RESULTS.md and RESULTS.json (default bench/)"),
) -> None:
    """Benchmark Muster against bare baselines measured side by side; writes bench/RESULTS.md and .json."""
    if str(ROOT) not in sys.path:  # bench/ lives beside the installed packages, not among them
        sys.path.insert(0, str(ROOT))
    from bench.run import main as run_bench

    run_bench(quick=quick, only=only, bootstrap=bootstrap, idle_s=idle_s, profile=profile, output=output,
              console=console)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
