"""Commands about flags: list those in force, raise or release one by hand, explain an account."""

from __future__ import annotations

import argparse

from contextfeed.cli.output import CommandError, app_from_environment, emit, instant, when, words
from contextfeed.domain.terms import LEVELS


def register(commands: argparse._SubParsersAction) -> None:
    """Add `flags` (with `raise` and `release`) and `explain` to the CLI."""
    flags = commands.add_parser("flags", help="flags in force (or raise/release one by hand)")
    flags.add_argument("--as-of", type=instant, help="the instant to ask about (default: now)")
    flags.add_argument("--account", action="append", help="only this account (repeatable)")
    flags.add_argument("--json", action="store_true", help="print a JSON list")
    flags.set_defaults(run=cmd_flags)
    flag_commands = flags.add_subparsers(dest="flags_command", metavar="ACTION")
    raise_flag = flag_commands.add_parser("raise", help="raise a manual flag on an account")
    raise_flag.add_argument("account")
    raise_flag.add_argument("--level", required=True, choices=words(LEVELS[::-1]))
    raise_flag.add_argument("--reason", required=True)
    raise_flag.add_argument("--actor", required=True, help="who decided (name or login)")
    raise_flag.add_argument("--until", type=instant, help="when it ends (default: until released)")
    raise_flag.set_defaults(run=cmd_flags_raise)
    release = flag_commands.add_parser(
        "release", help="release a flag by id (a manual one ends, an automatic one is overridden)"
    )
    release.add_argument("flag_id", type=int)
    release.add_argument("--reason", required=True)
    release.add_argument("--actor", required=True)
    release.add_argument(
        "--from",
        dest="start",
        type=instant,
        help="when the release starts (default: now; earlier corrects a flag that was wrong)",
    )
    release.add_argument("--until", type=instant, help="when the release ends (default: when the flag would have)")
    release.set_defaults(run=cmd_flags_release)

    explain = commands.add_parser("explain", help="why an account is or is not flagged")
    explain.add_argument("account")
    explain.add_argument("--as-of", type=instant, help="the instant to explain (default: now)")
    explain.add_argument("--json", action="store_true")
    explain.set_defaults(run=cmd_explain)


def cmd_flags(args) -> int:
    """List flags in force at an instant."""
    from contextfeed.flags.query import active_at

    app = app_from_environment()
    at = args.as_of or app.clock.now()
    with app.database.read() as session:
        flags = active_at(session, at, account_ids=args.account)
    if args.json:
        emit([flag.as_json() for flag in flags])
        return 0
    if not flags:
        print(f"no flags in force at {when(at, otherwise='now')}")
    for flag in flags:
        until = when(flag.expires_at, otherwise="released")
        print(f"{flag.account_id:<12} {flag.level:<13} {flag.reason}  [{flag.rule}; until {until}]")
    return 0


def cmd_flags_raise(args) -> int:
    """Raise a manual flag."""
    from contextfeed.services.flags import raise_flag

    try:
        flag = raise_flag(
            app_from_environment(),
            args.account,
            level=args.level,
            reason=args.reason,
            actor=args.actor,
            expires_at=args.until,
        )
    except LookupError as error:
        raise CommandError(str(error)) from None
    print(f"flag {flag.id} raised on {args.account}: {args.level}")
    return 0


def cmd_flags_release(args) -> int:
    """Release a flag by id."""
    from contextfeed.services.flags import NotInForceError, release

    try:
        message = release(
            app_from_environment(),
            args.flag_id,
            reason=args.reason,
            actor=args.actor,
            start=args.start,
            until=args.until,
        )
    except (LookupError, NotInForceError) as error:
        raise CommandError(str(error)) from None
    print(message)
    return 0


def cmd_explain(args) -> int:
    """Explain an account's flags at an instant."""
    from contextfeed.flags.explain import explain

    app = app_from_environment()
    at = args.as_of or app.clock.now()
    with app.database.read() as session:
        result = explain(session, args.account, at, policy=app.settings.policy)
    if result is None:
        raise CommandError(f"unknown account {args.account!r}")
    if args.json:
        emit(result.as_json())
        return 0
    location = result.location
    print(f"{result.account_id} at {result.at}")
    print(
        f"  located: {location['precision']} from {location['from']}: "
        + ", ".join(
            str(part)
            for part in (
                location["city"],
                location["postal_code"],
                location["county_fips"],
                location["admin1"],
                location["country"],
            )
            if part
        )
        + (f" ({location['lat']:.4f}, {location['lon']:.4f})" if location["lat"] is not None else "")
    )
    if location["note"]:
        print(f"  note: {location['note']}")
    strongest = result.flags[0]["level"] if result.flags else "none"
    print(f"  flags in force: {strongest}")
    for flag in result.flags:
        print(f"    {flag['level']}: {flag['reason']} [{flag['rule']}]")
    print(f"  events near it ({len(result.events)}):")
    for item in result.events:
        outcome = item.level or "no flag"
        print(f"    [{outcome}] {item.headline} ({item.source}, sent {item.sent})\n        {item.why}")
    return 0
