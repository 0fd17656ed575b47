"""The README as a tested document: every shell example runs against the demo's service and says what it shows.

A ```sh block is run with bash (errors stop it: `set -e -o pipefail`); an ```output block right after
it is what it must print: each of its lines must be found, in order, among the printed lines, where
"..." stands for anything. ```sh setup blocks start the service or name its address and keys: the test
does that itself (the bundled Boston scenario, `contextfeed replay` paused at 19 April 2013 11:00 UTC),
and checks they set nothing else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.replay.conftest import replay_process  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
README = REPO / "README.md"
BLOCK = re.compile(r"^```(?P<lang>[\w-]*)(?P<tags>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
# What a setup block may set, and the test provides; and the make targets that start the service.
PROVIDED = ("CF", "AGENT_KEY", "DIALER_KEY", "ADMIN_KEY", "CONTEXTFEED_DATABASE_URL")
NAMES = "|".join(PROVIDED)
SETUP_LINE = re.compile(rf"^(#.*|make (run|test|demo)\b.*|(export )?({NAMES})=\S+(\s*;\s*({NAMES})=\S+)*(\s+#.*)?)$")


@dataclass(frozen=True)
class Example:
    """One shell block of the README, the line it starts on, its tags and the output it promises."""

    line: int
    script: str
    tags: frozenset[str]
    expected: str | None


def examples(text: str) -> list[Example]:
    """The README's ```sh blocks in order, each with the ```output block that follows it, if any."""
    blocks = list(BLOCK.finditer(text))
    found = []
    for position, block in enumerate(blocks):
        if block["lang"] != "sh":
            continue
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        promised = (
            following is not None
            and following["lang"] == "output"
            and not text[block.end() : following.start()].strip()
        )
        found.append(
            Example(
                text.count("\n", 0, block.start()) + 1,
                block["body"],
                frozenset(block["tags"].split()),
                following["body"] if promised else None,
            )
        )
    return found


def missing_lines(expected: str, printed: str) -> list[str]:
    """The promised lines not found in order among the printed ones ("..." matches anything)."""
    printed_lines = printed.splitlines()
    position = 0
    for wanted in expected.splitlines():
        if wanted.strip() in ("", "..."):
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in wanted.strip().split("...")))
        while position < len(printed_lines) and not pattern.search(printed_lines[position]):
            position += 1
        if position == len(printed_lines):
            return [wanted]
        position += 1
    return []


def test_the_readme_has_examples_and_promises():
    found = examples(README.read_text())
    assert len([example for example in found if "setup" not in example.tags]) >= 10
    assert sum(example.expected is not None for example in found) >= 10


def test_setup_blocks_only_start_the_demo_and_name_its_address_and_keys():
    for example in examples(README.read_text()):
        if "setup" in example.tags:
            bad = [line for line in example.script.splitlines() if line.strip() and not SETUP_LINE.match(line.strip())]
            assert not bad, f"README line {example.line}: a setup block does more than the test does: {bad}"
    demo = re.search(r"^demo:.*\n\t(.*)$", (REPO / "Makefile").read_text(), re.MULTILINE)[1]
    assert demo.endswith("contextfeed replay contextfeed/training/scenarios/boston-2013"), (
        "the test runs what make demo runs"
    )


def test_every_shell_example_of_the_readme_runs_against_the_demo_and_prints_what_it_says(
    replay_process, data_dir, tmp_path
):  # noqa: F811
    with replay_process("--start", "2013-04-19T11:00:00Z", "--paused") as replay:
        env = dict(
            os.environ,
            CF=replay.url,
            AGENT_KEY=replay.keys["agent"],
            DIALER_KEY=replay.keys["dialer"],
            ADMIN_KEY=replay.keys["admin"],
            CONTEXTFEED_DATABASE_URL=f"sqlite:///{data_dir / 'replay' / 'boston-2013' / 'contextfeed.db'}",
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        )
        failures = []
        for example in examples(README.read_text()):
            if "setup" in example.tags:
                continue
            run = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", example.script],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )
            printed = run.stdout + run.stderr
            if run.returncode:
                failures.append(f"README line {example.line}: exit {run.returncode}:\n{example.script}\n{printed}")
            elif example.expected is not None and (missing := missing_lines(example.expected, printed)):
                failures.append(f"README line {example.line}: no line like {missing[0]!r} in:\n{printed}")
    assert not failures, "\n\n".join(failures)


def test_a_promise_is_kept_only_by_its_lines_in_order():
    printed = '{"status":"ok","degraded_sources":[]}\n{"results":[{"suppress":true}]}\n'
    assert missing_lines('{"status":"ok",...\n...\n{"results":[{"suppress":true...', printed) == []
    assert missing_lines('{"results":...\n{"status":"ok"...', printed) == ['{"status":"ok"...']
    assert missing_lines('{"results":[{"suppress":false...', printed) == ['{"results":[{"suppress":false...']
