"""deploy/: the image's build context installs a bot that starts; the unit runs it alike.

No Docker engine runs here, so the Dockerfile is not built; what its build does is: copy
the listed paths and `pip install .`. That part is repeated from exactly those paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from bot.app import SHUTDOWN_GRACE_SECONDS

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def _copied_paths() -> list[str]:
    """The sources of the Dockerfile's COPY lines (the last word is the destination)."""
    paths = []
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            paths += words[1:-1]
    return paths


def _installed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*") for pattern in include}


def test_the_image_copies_every_package_the_project_installs() -> None:
    copied = set(_copied_paths())
    assert _installed_packages() <= copied
    assert {"pyproject.toml", "README.md"} <= copied  # the build needs both


def test_the_image_build_context_installs_a_bot_that_starts(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    for path in _copied_paths():
        source = ROOT / path
        if source.is_dir():
            shutil.copytree(source, context / path, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, context / path)
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*install, "--target", target, context],
        check=True,
        capture_output=True,
        timeout=50,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_"))
    }
    env["PYTHONPATH"] = str(target)  # ahead of this checkout's editable install
    probe = "import bot, bot.app, bot.texts; print(bot.__file__); print(bot.texts.t('ru', 'error'))"
    check = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    where, russian = check.stdout.splitlines()[:2]
    assert Path(where).is_relative_to(target)  # the installed copy, not the checkout
    assert russian and russian != "error"  # the translations came along (package data)
    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2 and "BOT_TOKEN" in run.stderr  # it starts, and asks for a token


def test_the_systemd_unit_runs_the_installed_bot_and_may_write_its_database() -> None:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "feedback-bot.service").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            settings.setdefault(key, []).append(value)
    workdir = settings["WorkingDirectory"][0]
    # `make .venv/.installed` (the unit's install steps) creates .venv in the checkout
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


def test_the_images_health_check_asks_the_bot_that_serves_healthz() -> None:
    """Docker's HEALTHCHECK runs `python -m bot health` (tests/e2e/test_health_command.py),
    and the image turns on the /healthz that command asks."""
    lines = DOCKERFILE.read_text().splitlines()
    assert "ENV HEALTH_CHECK=on" in lines
    (check,) = [line for line in lines if line.startswith("HEALTHCHECK")]
    assert check.endswith('CMD ["python", "-m", "bot", "health"]')
