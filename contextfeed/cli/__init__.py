"""`contextfeed`: the same operations as the service, for shells and scripts; this package only parses and prints."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from contextfeed.bootstrap import collect_less
from contextfeed.cli import data, flags, news, policy, service, training
from contextfeed.cli.output import CommandError
from contextfeed.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="contextfeed", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (data, flags, news, policy, service, training):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    collect_less()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args) or 0
    except ConfigError as error:
        print(f"configuration error:\n{error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"contextfeed: {error}", file=sys.stderr)
        return 1
