"""deploy/: the image runs the bot with the versions the tests ran; the unit runs it alike.

No Docker engine runs here, so the Dockerfile is not built. What its build does is: install
requirements/runtime.txt, copy the listed sources into /app and run them from there. Here
the same sources are copied from exactly those paths and run with this venv's packages,
which `make` installed from requirements/dev.txt; the lock tests hold the two locks to the
same versions and files, and both to pyproject.toml's ranges.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.app import SHUTDOWN_GRACE_SECONDS

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"

Pins = dict[str, dict[str, frozenset[str]]]
"""Locked name -> version -> the hashes of its files."""


def _dockerfile() -> list[str]:
    return DOCKERFILE.read_text().splitlines()


def _copied_paths() -> list[str]:
    """The sources of the Dockerfile's COPY lines; each lands at the same path in /app."""
    paths = []
    for line in _dockerfile():
        words = line.split()
        if words[:1] == ["COPY"]:
            *sources, destination = words[1:]
            for source in sources:
                landing = PurePosixPath(destination)
                if destination.endswith("/") and not (ROOT / source).is_dir():
                    landing /= PurePosixPath(source).name  # a file copied into a folder
                assert landing == PurePosixPath(source), line
                paths.append(source)
    return paths


def _installed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*") for pattern in include}


def _pins(lock: Path) -> Pins:
    """The `name==version ; marker` lines of a uv lock with their hashes. A name has two
    versions where they differ between Pythons or platforms."""
    pins: Pins = {}
    for line in lock.read_text().replace("\\\n", " ").splitlines():
        requirement = line.partition("--hash=")[0].strip()
        if not requirement or requirement.startswith("#"):
            continue
        parsed = Requirement(requirement)
        (pin,) = parsed.specifier
        hashes = frozenset(re.findall(r"--hash=(\S+)", line))
        assert pin.operator == "==" and hashes, line
        pins.setdefault(canonicalize_name(parsed.name), {})[pin.version] = hashes
    return pins


def _unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "feedback-bot.service").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            settings.setdefault(key, []).append(value)
    return settings


def test_the_image_copies_every_package_the_project_installs() -> None:
    assert _installed_packages() <= set(_copied_paths())


def test_the_image_installs_the_runtime_lock_before_it_copies_the_sources() -> None:
    lines = _dockerfile()
    (install,) = [line for line in lines if line.startswith("RUN pip install")]
    words = install.split()
    assert "--require-hashes" in words and words[-2:] == ["-r", "requirements/runtime.txt"]
    copies = [number for number, line in enumerate(lines) if line.startswith("COPY")]
    assert lines[copies[0]].split()[1] == "requirements/runtime.txt"
    # the install's layer is built again when the lock changes, not when a source does
    assert copies[0] < lines.index(install) < copies[1]


PROBE = """
import importlib, importlib.metadata, json, pkgutil, sys
started_with = set(sys.modules)  # the interpreter's own start (site, .pth hooks)
ours = sys.argv[1:]
for name in ours:
    for module in pkgutil.walk_packages(importlib.import_module(name).__path__, name + "."):
        importlib.import_module(module.name)
import bot.texts
owners = importlib.metadata.packages_distributions()
imported = {name.partition(".")[0] for name in set(sys.modules) - started_with} - set(ours)
print(json.dumps({
    "bot": bot.__file__,
    "error_in_russian": bot.texts.t("ru", "error"),
    "distributions": sorted({owner for name in imported for owner in owners.get(name, [])}),
}))
"""


def test_the_image_build_context_runs_a_bot_that_starts(tmp_path: Path) -> None:
    lines = _dockerfile()
    # the sources land in /app, which the image puts on the path: `app` below stands for it
    assert "WORKDIR /app" in lines and "PYTHONPATH=/app" in DOCKERFILE.read_text().split()
    context = tmp_path / "app"
    for path in _copied_paths():
        source = ROOT / path
        assert source.exists(), f"{path} does not exist"
        (context / path).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, context / path, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, context / path)
    packages = sorted(path for path in _copied_paths() if (context / path / "__init__.py").exists())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_"))
    }
    env["PYTHONPATH"] = str(context)
    check = subprocess.run(
        [sys.executable, "-c", PROBE, *packages],
        cwd=tmp_path,  # not the checkout, nor /app: the path finds the copy
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert check.returncode == 0, check.stderr
    found = json.loads(check.stdout)
    assert Path(found["bot"]).is_relative_to(context)  # the copy, not the checkout
    assert found["error_in_russian"] not in ("", "error")  # the translations came along
    # Every module of every copied package imports, and needs nothing but what the image
    # installs: no library that only the dev lock brings, nor one installed by hand.
    imported = {canonicalize_name(name) for name in found["distributions"]}
    assert {"aiogram", "aiosqlite", "pydantic"} <= imported  # (the mapping works)
    not_in_the_image = imported - set(_pins(RUNTIME_LOCK))
    assert not not_in_the_image, f"imported, not in {RUNTIME_LOCK.name}: {not_in_the_image}"
    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2 and "BOT_TOKEN" in run.stderr  # it starts, and asks for a token


def test_the_image_gets_the_versions_and_files_the_tests_ran_with() -> None:
    """`make test` installs the dev lock, the image the runtime lock: every pin of the
    runtime lock is in the dev lock, with the same hashes."""
    runtime, dev = _pins(RUNTIME_LOCK), _pins(DEV_LOCK)
    differing = [
        f"{name}=={version}"
        for name, versions in runtime.items()
        for version, hashes in versions.items()
        if dev.get(name, {}).get(version) != hashes
    ]
    assert not differing, f"not so in {DEV_LOCK.name} (make upgrade makes both): {differing}"


def test_the_locks_keep_within_pyprojects_ranges() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(text) for text in project["dependencies"]]
    dev = runtime + [Requirement(text) for text in project["optional-dependencies"]["dev"]]
    for lock, requirements in ((RUNTIME_LOCK, runtime), (DEV_LOCK, dev)):
        pins = _pins(lock)
        for requirement in requirements:
            versions = pins.get(canonicalize_name(requirement.name), {})
            assert versions, f"{requirement.name} is not in {lock.name}: lock it (Makefile)"
            for version in versions:
                assert requirement.specifier.contains(version, prereleases=True), (
                    f"{lock.name} has {requirement.name}=={version}, "
                    f"outside pyproject.toml's {requirement}"
                )


def test_the_systemd_unit_runs_the_bot_from_its_checkout_and_may_write_its_database() -> None:
    settings = _unit_settings()
    workdir = settings["WorkingDirectory"][0]
    # `make .venv/.installed` (the unit's install steps) creates .venv in the checkout, and
    # the bot runs from the checkout, its working directory (the project is not installed)
    assert settings["ExecStart"] == [f"{workdir}/.venv/bin/python -m bot"]
    database = Path(
        next(v for v in settings["Environment"] if v.startswith("DATABASE_PATH=")).split("=")[1]
    )
    # ProtectSystem=strict makes everything read-only but these: the database's folder
    # (SQLite writes its -wal and -shm files beside it) must be one of them
    assert settings["ProtectSystem"] == ["strict"]
    writable = {Path(path) for path in settings["ReadWritePaths"]}
    writable |= {Path("/var/lib") / name for name in settings["StateDirectory"]}
    assert database.parent in writable
    assert settings["KillSignal"] == ["SIGTERM"]  # the graceful stop (tests/e2e/test_signals)
    # systemd's SIGKILL comes after the handlers' grace, not in the middle of it
    assert float(settings["TimeoutStopSec"][0]) > SHUTDOWN_GRACE_SECONDS


def test_the_image_and_the_unit_keep_one_malloc_arena() -> None:
    """The bot's memory figures (docs/performance.md) are with one glibc malloc arena."""
    assert "ENV MALLOC_ARENA_MAX=1" in _dockerfile()
    assert "MALLOC_ARENA_MAX=1" in _unit_settings()["Environment"]


def test_the_images_health_check_asks_the_bot_that_serves_healthz() -> None:
    """Docker's HEALTHCHECK runs `python -m bot health` (tests/e2e/test_health_command.py),
    and the image turns on the /healthz that command asks."""
    lines = _dockerfile()
    assert "ENV HEALTH_CHECK=on" in lines
    (check,) = [line for line in lines if line.startswith("HEALTHCHECK")]
    assert check.endswith('CMD ["python", "-m", "bot", "health"]')
