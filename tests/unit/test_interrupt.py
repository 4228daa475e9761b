"""An interrupted run never leaves a folder that looks complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim import cli as cli_module
from sim import experiment as experiment_module

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_run_leaves_only_a_partial_folder(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "--out",
            str(tmp_path),
            "-j",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    folder = tmp_path / "baseline"
    deadline = time.monotonic() + 30
    while not any(folder.glob("*.partial/scenario.yaml")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the replications
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    runs = list(folder.iterdir())
    assert runs, "the run had started"
    assert all(run.name.endswith(".partial") for run in runs)


def test_an_error_mid_run_removes_the_partial_folder(
    tmp_path: Path, tiny: dict[str, Any], write_scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        yield from ()
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment_module, "run_replications", failing)
    result = CliRunner().invoke(
        cli_module.cli, ["run", str(write_scenario(tiny)), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code != 0
    assert list((tmp_path / "r" / "tiny").iterdir()) == []
