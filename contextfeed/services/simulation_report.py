"""A policy simulation as text for a terminal (tables and a bar chart) and as a small SVG chart."""

from __future__ import annotations

from xml.sax.saxutils import escape

from contextfeed.services.policy_simulation import PolicySimulation

LEVEL_ORDER = ("do_not_chase", "caution", "info", "none")
BAR_WIDTH = 40
SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN = 720, 240, 40


def report_lines(simulation: PolicySimulation) -> list[str]:
    """The simulation as printable lines: shares per level, by rule, by event type, top events, chart."""
    total = simulation.accounts
    when = (
        f"from {stamp(simulation.start)} to {stamp(simulation.end)}"
        if simulation.end
        else f"at {stamp(simulation.start)}"
    )
    lines = [
        f"{simulation.events} events from {len(simulation.documents)} documents over {total:,} accounts, {when}",
        "",
        "accounts by level:",
    ]
    lines += [
        f"  {level:<13} {simulation.levels.get(level, 0):>9,}  {percent(simulation.levels.get(level, 0), total)}"
        for level in LEVEL_ORDER
    ]
    for title, counts in (("by rule", simulation.by_rule), ("by event type", simulation.by_event_type)):
        lines += ["", f"accounts {title} (each account under its strongest flag):"]
        for (level, name), count in sorted(counts.items(), key=lambda item: (-_rank(item[0][0]), -item[1], item[0][1])):
            lines.append(f"  {level:<13} {name:<36} {count:>9,}  {percent(count, total)}")
    lines += ["", f"events that give do_not_chase to most accounts (top {len(simulation.top_events)}):"]
    for share in simulation.top_events:
        codes = f" [{share.codes}]" if share.codes else ""
        lines.append(
            f"  {share.accounts:>9,}  {percent(share.accounts, total)}  {share.event_type}{codes}"
            f" ({share.rule}): {share.headline[:70]}"
        )
    if not simulation.top_events:
        lines.append("  none")
    lines += ["", "accounts with do_not_chase over time:"]
    peak = max((count for _, count in simulation.timeline), default=0)
    for instant, count in simulation.timeline:
        bar = "#" * round(BAR_WIDTH * count / peak) if peak else ""
        lines.append(f"  {stamp(instant)} {bar:<{BAR_WIDTH}} {count:>9,}  {percent(count, total)}")
    if simulation.problems:
        lines += ["", f"problems ({len(simulation.problems)}):"] + [f"  {problem}" for problem in simulation.problems]
    return lines


def report_json(simulation: PolicySimulation) -> dict:
    """The simulation as JSON: counts and shares per level, rule and event type, top events, timeline."""

    def counted(counts: dict[tuple[str, str], int], key: str) -> list[dict]:
        return [
            {"level": level, key: name, "accounts": count, "share": share(count, simulation.accounts)}
            for (level, name), count in sorted(counts.items(), key=lambda item: (-_rank(item[0][0]), -item[1]))
        ]

    return {
        "accounts": simulation.accounts,
        "events": simulation.events,
        "documents": list(simulation.documents),
        "at": stamp(simulation.start) if simulation.end is None else None,
        "from": stamp(simulation.start) if simulation.end else None,
        "to": stamp(simulation.end) if simulation.end else None,
        "levels": {
            level: {
                "accounts": simulation.levels.get(level, 0),
                "share": share(simulation.levels.get(level, 0), simulation.accounts),
            }
            for level in LEVEL_ORDER
        },
        "by_rule": counted(simulation.by_rule, "rule"),
        "by_event_type": counted(simulation.by_event_type, "event_type"),
        "top_events": [
            {
                "event_id": e.event_id,
                "event_type": e.event_type,
                "codes": e.codes,
                "rule": e.rule,
                "headline": e.headline,
                "accounts": e.accounts,
            }
            for e in simulation.top_events
        ],
        "do_not_chase_over_time": [{"at": stamp(instant), "accounts": count} for instant, count in simulation.timeline],
        "problems": list(simulation.problems),
    }


def share(count: int, total: int) -> float:
    """count/total, 0 for an empty book."""
    return count / total if total else 0.0


def timeline_svg(simulation: PolicySimulation) -> str:
    """An SVG bar chart of accounts with do_not_chase over time, one bar per instant of the timeline."""
    bars = simulation.timeline
    peak = max((count for _, count in bars), default=0) or 1
    width = (SVG_WIDTH - 2 * SVG_MARGIN) / max(len(bars), 1)
    plot = SVG_HEIGHT - 2 * SVG_MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{SVG_MARGIN}" y="20">accounts with do_not_chase (of {simulation.accounts:,}), peak {peak:,}</text>',
    ]
    for index, (instant, count) in enumerate(bars):
        height = plot * count / peak
        x = SVG_MARGIN + index * width
        parts.append(
            f'<rect x="{x:.1f}" y="{SVG_HEIGHT - SVG_MARGIN - height:.1f}" width="{width * 0.8:.1f}" '
            f'height="{height:.1f}" fill="#c0392b"><title>{escape(stamp(instant))}: {count:,}</title></rect>'
        )
    if bars:
        for (instant, _), x in ((bars[0], SVG_MARGIN), (bars[-1], SVG_MARGIN + (len(bars) - 1) * width)):
            parts.append(f'<text x="{x:.1f}" y="{SVG_HEIGHT - SVG_MARGIN + 15}">{escape(stamp(instant))}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def stamp(instant) -> str:
    """An instant as 2018-08-15T22:57Z."""
    return instant.strftime("%Y-%m-%dT%H:%MZ")


def percent(count: int, total: int) -> str:
    """count/total as a right-aligned percentage with two decimals."""
    return f"{100 * count / total:6.2f}%" if total else "     -%"


def _rank(level: str) -> int:
    return len(LEVEL_ORDER) - LEVEL_ORDER.index(level) if level in LEVEL_ORDER else 0
