"""Tests for forecast.report.staging's temporary folder of a run (the staging itself, kills
and interrupts: tests/test_report_atomic.py)."""

import subprocess
import sys


def test_prophet_still_fits_after_a_run_that_owned_the_temporary_folder(tmp_path):
    """cmdstanpy makes its temporary folder once, on import: first imported inside a run's
    own temporary folder (`forecast run`), it pointed into a deleted folder afterwards, and
    every later Prophet fit of the process failed with FileNotFoundError."""
    code = (
        "import os, pathlib, sys\n"
        "from forecast.report.staging import temporary_files\n"
        f"with temporary_files(pathlib.Path({str(tmp_path / 'tmp')!r}), True):\n"
        "    import cmdstanpy\n"
        f"import shutil; shutil.rmtree({str(tmp_path / 'tmp')!r})\n"
        "sys.exit(0 if os.path.isdir(cmdstanpy._TMPDIR) else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
