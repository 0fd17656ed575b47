"""`pip install .` (not editable) gives a working service: migrations, the bundled scenario and the page travel in the wheel."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def checkout(folder: Path) -> Path:
    """The files git tracks, links kept as links: what a clone would build from (and no build/ left here)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        origin, copy = REPO / name, folder / name
        if not origin.exists() and not origin.is_symlink():
            continue  # deleted in the working tree, not yet committed
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, copy, follow_symlinks=False)
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, installed into a folder of its own; returns that folder."""
    work = tmp_path_factory.mktemp("wheel")
    source = checkout(work / "source")
    # --no-build-isolation: build with the setuptools of this environment, offline.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        cwd=work,
    )
    (wheel,) = (work / "dist").glob("contextfeed-*.whl")
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    return target


def environment(installed: Path, home: Path) -> dict[str, str]:
    """Run from an empty folder with the installed copy first on the path (dependencies from this environment)."""
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join([str(installed), sysconfig.get_paths()["purelib"]]),
        "CONTEXTFEED_DATA_DIR": str(home / "data"),
        "CONTEXTFEED_DATABASE_URL": f"sqlite:///{home / 'contextfeed.db'}",
    }


def contextfeed(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed CLI from its home folder."""
    return subprocess.run(
        [sys.executable, "-m", "contextfeed", *args],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for_health(url: str, process: subprocess.Popen, *, seconds: float = 240) -> dict:
    """GET /healthz until it answers, failing early if the process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with {process.returncode}: {process.stdout.read()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).json()
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail("the service never answered /healthz")


def test_the_installed_copy_is_the_one_that_runs(installed, tmp_path):
    env = environment(installed, tmp_path / "home")
    where = subprocess.run(
        [sys.executable, "-c", "import contextfeed; print(contextfeed.__file__)"],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(installed)


def test_every_module_of_the_checkout_is_in_the_wheel(installed):
    shipped = {path.relative_to(installed).as_posix() for path in (installed / "contextfeed").rglob("*.py")}
    tracked = {path.relative_to(REPO).as_posix() for path in (REPO / "contextfeed").rglob("*.py")}
    assert tracked - shipped == set()


def test_the_wheel_migrates_a_new_database_and_serves(installed, tmp_path):
    env = environment(installed, tmp_path / "home")
    upgrade = contextfeed(env, "db", "upgrade")
    assert upgrade.returncode == 0 and "database at head" in upgrade.stdout, upgrade.stderr
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "contextfeed", "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=env["HOME"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as service:
        try:
            assert wait_for_health(f"http://127.0.0.1:{port}", service)["status"] in ("ok", "degraded")
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
            assert page.status_code == 200 and "<html" in page.text.lower()
        finally:
            service.terminate()


def test_the_wheel_replays_its_bundled_scenario(installed, tmp_path):
    env = environment(installed, tmp_path / "home")
    scenario = installed / "contextfeed" / "training" / "scenarios" / "boston-2013"
    port = free_port()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contextfeed",
            "replay",
            str(scenario),
            "--port",
            str(port),
            "--start",
            "2013-04-19T11:00:00Z",
            "--speed",
            "1",
        ],
        env=env,
        cwd=env["HOME"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as replay:
        try:
            banner = ""
            while "dialer key:" not in banner:
                line = replay.stdout.readline()
                assert line, f"the replay exited: {banner}"
                banner += line
            dialer = re.search(r"dialer key:\s+(\S+)", banner).group(1)
            wait_for_health(f"http://127.0.0.1:{port}", replay)
            # The feeder ingests what is due at 11:00 in its first ticks: the shelter-in-place of 10:30.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/v1/suppression/check",
                    json={"account_ids": ["A002"]},
                    headers={"Authorization": f"Bearer {dialer}"},
                    timeout=10,
                ).json()
                if answer["results"][0]["suppress"]:
                    break
                time.sleep(0.5)
            assert answer["results"][0]["suppress"] is True, answer
            assert answer["results"][0]["level"] == "do_not_chase"
        finally:
            replay.terminate()
