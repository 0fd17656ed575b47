"""Commands that bring data in: `db upgrade`, `accounts import`, `ingest`, `crawl`."""

from __future__ import annotations

import argparse
from pathlib import Path

from contextfeed.bootstrap import settle
from contextfeed.cli.output import (
    CommandError,
    app_from_environment,
    emit,
    import_with_progress,
    redact,
    words,
    yield_cpu,
)
from contextfeed.config import load_settings
from contextfeed.domain.terms import KINDS


def register(commands: argparse._SubParsersAction) -> None:
    """Add the data commands to the CLI."""
    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the latest schema").set_defaults(run=cmd_db_upgrade)

    accounts = commands.add_parser("accounts", help="customer accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")
    importer = account_commands.add_parser("import", help="upsert accounts from a CSV file")
    importer.add_argument(
        "file", type=Path, help="CSV: account_id,name,phone,address,city,region,postal_code,country,lat,lon"
    )
    importer.add_argument("--json", action="store_true", help="print the report as JSON")
    importer.set_defaults(run=cmd_accounts_import)

    ingest = commands.add_parser("ingest", help="push one recorded document through the pipeline")
    ingest.add_argument("file", type=Path)
    ingest.add_argument("--kind", choices=words(KINDS), help="document format (default: the source's configured kind)")
    ingest.add_argument("--source", help="source name (default: the kind); unknown names are created")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.set_defaults(run=cmd_ingest)

    crawl = commands.add_parser("crawl", help="fetch configured sources once (without --once: same as `worker`)")
    crawl.add_argument("--once", action="store_true", help="run every source once, print a summary, exit")
    crawl.add_argument("--source", action="append", help="only this source (repeatable)")
    crawl.set_defaults(run=cmd_crawl)


def cmd_db_upgrade(args) -> int:
    """Apply migrations to head."""
    from contextfeed.db.engine import Database
    from contextfeed.db.migrate import upgrade
    from contextfeed.services.accounts import build_missing_account_indexes

    settings = load_settings()
    upgrade(settings.database_url)
    database = Database.from_url(settings.database_url)
    try:
        built = build_missing_account_indexes(database)
    finally:
        database.dispose()
    if built:
        print(f"built the account indexes an interrupted import left out: {', '.join(built)}")
    print(f"database at head: {redact(settings.database_url)}")
    return 0


def cmd_accounts_import(args) -> int:
    """Import accounts from CSV and report created/updated/unchanged/rejected."""
    summary = import_with_progress(yield_cpu(app_from_environment()), args.file)
    if args.json:
        emit(summary)
        return 0
    warnings = len(summary["problems"]) - summary["rejected"]
    print(
        f"{args.file}: {summary['created']} created, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['rejected']} rejected, {warnings} warnings"
    )
    for problem in summary["problems"]:
        kind = "rejected" if problem["rejected"] else "warning"
        print(f"  line {problem['line']} ({problem['account_id'] or 'no id'}): {kind}: {problem['message']}")
    return 0


def cmd_ingest(args) -> int:
    """Parse one document and run it through the pipeline, as the crawler would."""
    from contextfeed.services.ingest import UnknownSourceError, ingest_document, source_kind
    from contextfeed.sources import parse_document

    settle()  # what the pipeline loaded, before the document's objects
    app = yield_cpu(app_from_environment())
    name = args.source or args.kind
    if name is None:
        raise CommandError("give --kind (and optionally --source)")
    try:
        body = args.file.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}") from None
    try:
        kind = source_kind(app, name, kind=args.kind)
    except UnknownSourceError as error:
        raise CommandError(str(error)) from None
    # Parsed before any transaction: the write lock is held for the writes only.
    result = parse_document(kind, body, source=name)
    report = ingest_document(app, name, result, kind=kind)
    if args.json:
        emit(report.as_json())
    else:
        changes = ", ".join(f"{n} {action}" for action, n in sorted(report.flag_changes.items())) or "none"
        print(
            f"{args.file}: {report.new} new, {report.updated} updated, {report.cancelled} cancelled, "
            f"{report.unchanged} unchanged; flag changes: {changes}"
        )
        for error in report.errors:
            print(f"  error: {error}")
    return 1 if report.errors and not (report.new or report.updated or report.unchanged) else 0


def cmd_crawl(args) -> int:
    """Crawl configured sources: once and report, or on the schedule until interrupted."""
    from contextfeed.services.crawl import Crawler

    if not args.once:
        from contextfeed.cli.service import cmd_worker

        return cmd_worker(args)
    app = app_from_environment()
    crawler = Crawler(app, app.fetcher)
    summaries = crawler.crawl(args.source)
    for summary in summaries:
        print(summary.line())
    return 1 if summaries and all(summary.failed for summary in summaries) else 0
