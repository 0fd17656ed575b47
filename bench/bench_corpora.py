"""Benchmark: the news reading scored on public corpora, exactly as it is judged (../shared/tools/news_eval.py).

    python -m bench.bench_corpora [--scale 1.0] [--cache bench/results/cache] [--seed 7]

Geoparsing on GeoWebNews (precision >= 0.90 with recall >= 0.50: a place
counts when its span overlaps a gold toponym and it lies within 161 km) and
crisis detection on the CrisisLexT26 development crises (precision >= 0.90,
recall >= 0.85), both through `contextfeed geoparse --jsonl`. The corpora
are not in the repository (GeoWebNews is GPL-3.0): without ../shared the
benchmark says so in one line and reports nothing. The scale does not apply:
a score is only comparable on the whole corpus.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.common import Row, contextfeed_command, parser, report

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVALUATOR = SHARED / "tools" / "news_eval.py"
CORPORA = {
    "geoparse": (SHARED / "corpora" / "geowebnews" / "GWN.xml", "geoparsing on GeoWebNews", 0.90, 0.50),
    "crisis": (SHARED / "corpora" / "crisislex-dev", "crisis detection on CrisisLexT26 dev crises", 0.90, 0.85),
}
# The evaluator's summary line: "...precision 0.900 recall 0.605 (...)" (the crisis one starts "crisis:").
_SCORES = re.compile(r"^(?:crisis: |\S+: )precision (\d\.\d+) recall (\d\.\d+) \((.*)\)$", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    """Score both tasks with the shared evaluator and report precision and recall against their targets."""
    args = parser(__doc__).parse_args(argv)
    missing = [path for path in (EVALUATOR, *(corpus for corpus, *_ in CORPORA.values())) if not path.exists()]
    if missing:
        print(f"bench_corpora: skipped, the shared corpora are not here ({missing[0]} is missing)")
        return 0
    rows = []
    # The evaluator runs the CLI by its path: the console script next to this interpreter.
    cli = contextfeed_command()[0] if len(contextfeed_command()) == 1 else None
    for task, (corpus, what, precision_target, recall_target) in CORPORA.items():
        command = [sys.executable, str(EVALUATOR), task, str(corpus)] + (["--cli", cli] if cli else [])
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        scores = _SCORES.findall(result.stdout)
        if result.returncode != 0 or not scores:
            raise RuntimeError(f"news_eval.py {task} failed ({result.returncode}):\n{result.stderr[-2000:]}")
        precision, recall, detail = scores[-1]
        rows += [
            Row(f"{what}: precision", float(precision), "score", precision_target, at_most=False, note=detail),
            Row(f"{what}: recall", float(recall), "score", recall_target, at_most=False),
        ]
    return report(rows, args)


if __name__ == "__main__":
    sys.exit(main())
