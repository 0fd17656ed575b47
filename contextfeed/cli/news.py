"""`geoparse`: the places (and crisis) the news geoparser finds in a text, for people or as JSON lines."""

from __future__ import annotations

import argparse
import json
import re
import sys

from contextfeed.cli.output import CommandError, app_from_environment, emit
from contextfeed.config import REGION_CODE_PATTERN


def register(commands: argparse._SubParsersAction) -> None:
    """Add `geoparse` to the CLI."""
    geoparse = commands.add_parser("geoparse", help="the places (and crisis) the news geoparser finds in a text")
    geoparse.add_argument("text", nargs="?", help="the text (default: read stdin)")
    output = geoparse.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object")
    output.add_argument(
        "--jsonl", action="store_true", help='read {"id", "text"} lines on stdin, write one result per line'
    )
    home = geoparse.add_mutually_exclusive_group()
    home.add_argument("--home", help="the region the text's source covers (ISO 3166-2 US-TN or ISO 3166-1 FR)")
    home.add_argument("--source", help="read the text as from this source ([news.home_regions] gives its home)")
    geoparse.set_defaults(run=cmd_geoparse)


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
        return {
            "places": [mention_to_json(mention) for mention in app.geoparser.parse(text, home=home)],
            "crisis": {"category": crisis.category, "matched": list(crisis.matched)} if crisis else None,
        }

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
                print(json.dumps({"line": number, "error": f'not a {{"id", "text"}} object: {error}'}))
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
            print(
                f"{span} -> {place['name']} ({place['precision']}, {place['admin1'] or place['country']}, "
                f"geonameid {place['geonameid']}, confidence {place['confidence']:.2f})"
            )
        else:
            print(f"{span} -> not resolved: {place['why']} (candidates: {', '.join(place['candidates']) or 'none'})")
    crisis = result["crisis"]
    print(f"crisis: {crisis['category']} ({', '.join(crisis['matched'])})" if crisis else "crisis: none")
    return 0
