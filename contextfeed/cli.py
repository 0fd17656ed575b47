"""`contextfeed`: the same operations as the service, for shells and scripts."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from contextfeed.api.cli import register as register_api_commands
from contextfeed.clock import parse_instant
from contextfeed.config import REGION_CODE_PATTERN, ConfigError, load_settings
from contextfeed.runtime import collect_less, settle

log = logging.getLogger("contextfeed")
SOURCE_KINDS = ("cap", "nws", "usgs", "gdacs", "fema", "rss")


class CommandError(Exception):
    """A command cannot do what it was asked; the message is for the user."""


def instant(text: str):
    """argparse type for ISO 8601 instants."""
    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r} (e.g. 2013-04-19T11:00:00Z)") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="contextfeed", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the latest schema").set_defaults(run=cmd_db_upgrade)

    accounts = commands.add_parser("accounts", help="customer accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")
    importer = account_commands.add_parser("import", help="upsert accounts from a CSV file")
    importer.add_argument("file", type=Path, help="CSV: account_id,name,phone,address,city,region,postal_code,country,lat,lon")
    importer.add_argument("--json", action="store_true", help="print the report as JSON")
    importer.set_defaults(run=cmd_accounts_import)

    ingest = commands.add_parser("ingest", help="push one recorded document through the pipeline")
    ingest.add_argument("file", type=Path)
    ingest.add_argument("--kind", choices=SOURCE_KINDS, help="document format (default: the source's configured kind)")
    ingest.add_argument("--source", help="source name (default: the kind); unknown names are created")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.set_defaults(run=cmd_ingest)

    crawl = commands.add_parser("crawl", help="fetch configured sources once (without --once: same as `worker`)")
    crawl.add_argument("--once", action="store_true", help="run every source once, print a summary, exit")
    crawl.add_argument("--source", action="append", help="only this source (repeatable)")
    crawl.set_defaults(run=cmd_crawl)

    flags = commands.add_parser("flags", help="flags in force (or raise/release one by hand)")
    flags.add_argument("--as-of", type=instant, help="the instant to ask about (default: now)")
    flags.add_argument("--account", action="append", help="only this account (repeatable)")
    flags.add_argument("--json", action="store_true", help="print a JSON list")
    flags.set_defaults(run=cmd_flags)
    flag_commands = flags.add_subparsers(dest="flags_command", metavar="ACTION")
    raise_flag = flag_commands.add_parser("raise", help="raise a manual flag on an account")
    raise_flag.add_argument("account")
    raise_flag.add_argument("--level", required=True, choices=("do_not_chase", "caution", "info"))
    raise_flag.add_argument("--reason", required=True)
    raise_flag.add_argument("--actor", required=True, help="who decided (name or login)")
    raise_flag.add_argument("--until", type=instant, help="when it ends (default: until released)")
    raise_flag.set_defaults(run=cmd_flags_raise)
    release = flag_commands.add_parser("release", help="release a flag by id (a manual one ends, an automatic one is overridden)")
    release.add_argument("flag_id", type=int)
    release.add_argument("--reason", required=True)
    release.add_argument("--actor", required=True)
    release.add_argument("--from", dest="start", type=instant,
                         help="when the release starts (default: now; earlier corrects a flag that was wrong)")
    release.add_argument("--until", type=instant, help="when the release ends (default: when the flag would have)")
    release.set_defaults(run=cmd_flags_release)

    geoparse = commands.add_parser("geoparse", help="the places (and crisis) the news geoparser finds in a text")
    geoparse.add_argument("text", nargs="?", help="the text (default: read stdin)")
    output = geoparse.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object")
    output.add_argument("--jsonl", action="store_true", help='read {"id", "text"} lines on stdin, write one result per line')
    home = geoparse.add_mutually_exclusive_group()
    home.add_argument("--home", help="the region the text's source covers (ISO 3166-2 US-TN or ISO 3166-1 FR)")
    home.add_argument("--source", help="read the text as from this source ([news.home_regions] gives its home)")
    geoparse.set_defaults(run=cmd_geoparse)

    explain = commands.add_parser("explain", help="why an account is or is not flagged")
    explain.add_argument("account")
    explain.add_argument("--as-of", type=instant, help="the instant to explain (default: now)")
    explain.add_argument("--json", action="store_true")
    explain.set_defaults(run=cmd_explain)

    register_api_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    collect_less()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args) or 0
    except ConfigError as error:
        print(f"configuration error:\n{error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"contextfeed: {error}", file=sys.stderr)
        return 1


def app_from_environment():
    """The App for this process (settings from file and environment)."""
    from contextfeed.bootstrap import build_app

    return build_app(load_settings())


def emit(payload: object) -> None:
    """Print JSON to stdout."""
    print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def cmd_db_upgrade(args) -> int:
    """Apply migrations to head."""
    from contextfeed.db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database at head: {redact(settings.database_url)}")
    return 0


def redact(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def progress(total: int | None, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on a terminal, plain lines when piped; returns (advance, finish)."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(label, total=total)
        return (lambda n: bar.advance(task, n)), bar.stop
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        print(f"{label}: {done}" + (f"/{total}" if total else ""), file=sys.stderr, flush=True)

    return advance, lambda: None


def import_accounts_file(app, path: Path) -> dict:
    """Import one accounts CSV through the locator and flag engine; returns the report as a dict."""
    from contextfeed.accounts.csvfile import AccountFileError, AccountRecord, decode, read_accounts
    from contextfeed.accounts.store import upsert_accounts
    from contextfeed.pipeline import Pipeline

    try:
        items = list(read_accounts(decode(path.read_bytes())))
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    except AccountFileError as error:
        raise CommandError(f"{path}: {error}") from None
    records = [item for item in items if isinstance(item, AccountRecord)]
    problems = [item for item in items if not isinstance(item, AccountRecord)]
    now = app.clock.now()
    advance, finish = progress(len(records), "importing accounts")
    try:
        with app.database.write() as session:
            report = upsert_accounts(session, records, locate=app.locator.locate, now=now, on_batch=advance)
            flags = Pipeline(app).relocate(session, report.relocated, now=now)
    finally:
        finish()
    return {
        "file": str(path), "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "rejected": sum(problem.rejected for problem in problems), "flag_changes": flags.actions,
        "problems": [{"line": p.line, "account_id": p.account_id, "message": p.message,
                      "rejected": p.rejected} for p in problems],
    }


def cmd_accounts_import(args) -> int:
    """Import accounts from CSV and report created/updated/unchanged/rejected."""
    summary = import_accounts_file(app_from_environment(), args.file)
    if args.json:
        emit(summary)
        return 0
    warnings = len(summary["problems"]) - summary["rejected"]
    print(f"{args.file}: {summary['created']} created, {summary['updated']} updated, "
          f"{summary['unchanged']} unchanged, {summary['rejected']} rejected, {warnings} warnings")
    for problem in summary["problems"]:
        kind = "rejected" if problem["rejected"] else "warning"
        print(f"  line {problem['line']} ({problem['account_id'] or 'no id'}): {kind}: {problem['message']}")
    return 0


def cmd_ingest(args) -> int:
    """Parse one document and run it through the pipeline, as the crawler would."""
    from contextfeed.pipeline import Pipeline
    from contextfeed.sources import parse_document

    settle()  # what the pipeline loaded, before the document's objects
    app = app_from_environment()
    try:
        body = args.file.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}") from None
    pipeline = Pipeline(app)
    now = app.clock.now()
    name = args.source or args.kind
    if name is None:
        raise CommandError("give --kind (and optionally --source)")
    with app.database.write() as session:
        try:
            source = pipeline.source(session, name, kind=args.kind, now=now)
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = parse_document(source.kind, body, source=source.name)
        report = pipeline.ingest(session, source, result, now=now)
    if args.json:
        emit(report.as_json())
    else:
        changes = ", ".join(f"{n} {action}" for action, n in sorted(report.flag_changes.items())) or "none"
        print(f"{args.file}: {report.new} new, {report.updated} updated, {report.cancelled} cancelled, "
              f"{report.unchanged} unchanged; flag changes: {changes}")
        for error in report.errors:
            print(f"  error: {error}")
    return 1 if report.errors and not (report.new or report.updated or report.unchanged) else 0


def cmd_crawl(args) -> int:
    """Crawl configured sources: once and report, or on the schedule until interrupted."""
    from contextfeed.crawler import Crawler

    if not args.once:
        from contextfeed.api.cli import cmd_worker

        return cmd_worker(args)
    app = app_from_environment()
    crawler = Crawler(app, app.fetcher)
    summaries = crawler.crawl(args.source)
    for summary in summaries:
        print(summary.line())
    return 1 if summaries and all(summary.failed for summary in summaries) else 0


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
        print(f"no flags in force at {at.isoformat()}")
    for flag in flags:
        until = flag.expires_at.isoformat() if flag.expires_at else "until released"
        print(f"{flag.account_id:<12} {flag.level:<13} {flag.reason}  [{flag.rule}; until {until}]")
    return 0


def cmd_flags_raise(args) -> int:
    """Raise a manual flag."""
    from contextfeed.flags.manual import raise_manual

    app = app_from_environment()
    with app.database.write() as session:
        try:
            flag_id = raise_manual(session, args.account, level=args.level, reason=args.reason, actor=args.actor,
                                   expires_at=args.until, now=app.clock.now())
        except LookupError as error:
            raise CommandError(str(error)) from None
    print(f"flag {flag_id} raised on {args.account}: {args.level}")
    return 0


def cmd_flags_release(args) -> int:
    """Release a flag by id."""
    from contextfeed.flags.manual import release_flag

    app = app_from_environment()
    with app.database.write() as session:
        try:
            message = release_flag(session, args.flag_id, reason=args.reason, actor=args.actor,
                                   start=args.start, until=args.until, now=app.clock.now())
        except LookupError as error:
            raise CommandError(str(error)) from None
    print(message)
    return 0


def cmd_geoparse(args) -> int:
    """Print place mentions (with offsets) and the crisis category of texts."""
    from contextfeed.geo.crisis import DEFAULT_CRISIS_RULES, classify_crisis
    from contextfeed.geo.geoparse import mention_to_json

    app = app_from_environment()
    rules = app.settings.policy.crisis_keywords or DEFAULT_CRISIS_RULES
    home = args.home or app.settings.news.home_regions.get(args.source or "")
    if args.home and not re.match(REGION_CODE_PATTERN, args.home):
        raise CommandError(f"--home {args.home!r}: give an ISO 3166-2 code (US-TN) or an ISO 3166-1 code (FR)")

    def reading(text: str) -> dict:
        crisis = classify_crisis(text, rules)
        return {"places": [mention_to_json(mention) for mention in app.geoparser.parse(text, home=home)],
                "crisis": {"category": crisis.category, "matched": list(crisis.matched)} if crisis else None}

    if args.jsonl:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = item["text"]
                if not isinstance(text, str):
                    raise TypeError("text must be a string")
            except (ValueError, KeyError, TypeError) as error:
                print(json.dumps({"line": number, "error": f"not a {{\"id\", \"text\"}} object: {error}"}))
                continue
            print(json.dumps({"id": item.get("id"), **reading(text)}, ensure_ascii=False))
        return 0
    text = args.text if args.text is not None else sys.stdin.read()
    result = reading(text)
    if args.json:
        emit(result)
        return 0
    for place in result["places"]:
        span = f"[{place['start']}:{place['end']}] {place['text']!r}"
        if place["resolved"]:
            print(f"{span} -> {place['name']} ({place['precision']}, {place['admin1'] or place['country']}, "
                  f"geonameid {place['geonameid']}, confidence {place['confidence']:.2f})")
        else:
            print(f"{span} -> not resolved: {place['why']} (candidates: {', '.join(place['candidates']) or 'none'})")
    crisis = result["crisis"]
    print(f"crisis: {crisis['category']} ({', '.join(crisis['matched'])})" if crisis else "crisis: none")
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
    print(f"  located: {location['precision']} from {location['from']}: "
          + ", ".join(str(part) for part in (location["city"], location["postal_code"], location["county_fips"],
                                              location["admin1"], location["country"]) if part)
          + (f" ({location['lat']:.4f}, {location['lon']:.4f})" if location["lat"] is not None else ""))
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


if __name__ == "__main__":
    sys.exit(main())
