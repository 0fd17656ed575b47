"""`policy simulate`: what the policy would do with recorded documents over a book, before it goes live."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contextfeed.cli.output import CommandError, app_from_environment, emit, instant, words
from contextfeed.domain.terms import KINDS


def register(commands: argparse._SubParsersAction) -> None:
    """Add `policy simulate` to the CLI."""
    policy = commands.add_parser("policy", help="try the policy before it goes live")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    simulate = policy_commands.add_parser("simulate", help="what the policy would do with recorded documents")
    simulate.add_argument("documents", nargs="+", type=Path, help="alert documents or folders of them")
    simulate.add_argument("--accounts", type=Path, help="accounts CSV (default: the database's accounts)")
    simulate.add_argument("--kind", choices=words(KINDS), help="read every document as this kind (default: detected)")
    simulate.add_argument("--at", type=instant, help="the instant (default: when the last event was sent)")
    simulate.add_argument("--from", dest="start", type=instant, help="start of a window (with --to)")
    simulate.add_argument("--to", dest="end", type=instant, help="end of a window (with --from)")
    simulate.add_argument("--svg", type=Path, help="also write the chart of suppressed accounts as SVG")
    simulate.add_argument("--json", action="store_true", help="print the result as JSON")
    simulate.set_defaults(run=cmd_policy_simulate)


def cmd_policy_simulate(args) -> int:
    """Replay documents over a book in a scratch database and print what the policy did."""
    from contextfeed.services.policy_simulation import SimulationError, recorded_documents, simulate_policy
    from contextfeed.services.simulation_report import report_json, report_lines, timeline_svg

    if (args.start is None) != (args.end is None) or (args.at and args.start):
        raise CommandError("give --at, or --from and --to together")
    app = app_from_environment()
    documents, refused = recorded_documents(args.documents, kind=args.kind)
    for line in refused:
        print(f"contextfeed: {line}", file=sys.stderr)
    if not documents:
        raise CommandError("no alert documents to simulate")
    try:
        simulation = simulate_policy(
            app.settings,
            documents,
            accounts_csv=args.accounts,
            accounts_from=None if args.accounts else app.database,
            at=args.at,
            window=(args.start, args.end) if args.start else None,
            now=app.clock.now(),
        )
    except SimulationError as error:
        raise CommandError(str(error)) from None
    if args.json:
        emit(report_json(simulation))
    else:
        print("\n".join(report_lines(simulation)))
    if args.svg:
        args.svg.write_text(timeline_svg(simulation), encoding="utf-8")
    return 0
