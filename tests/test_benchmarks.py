"""The benchmark scripts still run against the package's API (they are not imported by it,
so nothing else notices when a call they make changes). Only their smallest settings, and
only scripts that need no data outside the repository (the real-data backtest only for its
message when that data is missing)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize("script, args, expect", [
    ("bench_capacity.py", ["--quick"],
     r"\| required_headcount\(target=0\.95, alpha=0\.9\) \| [\d.]+ \| \d+ workers \|"),
    ("backtest_power.py", ["--seeds", "1", "--modes", "cut13", "--paths", "50",
                           "--season-peak", "110"], r"\| auto \| 0\.\d+ \|"),
    ("backtest_power.py", ["--seeds", "1", "--modes", "partial", "--paths", "50",
                           "--growth", "0.29"], r"growth 0\.29 a year(?s:.*)\| auto \| 0\.\d+ \|"),
    ("small_counts.py", [], r"\| 3\.0 \| 3 years \| [\d., ]+ \|"),
])
def test_benchmark_script_runs(script, args, expect):
    out = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, timeout=600, cwd=BENCH.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(expect, out.stdout), out.stdout[-2000:]



def test_the_real_data_backtest_names_the_data_option_when_its_folder_is_missing(tmp_path):
    out = subprocess.run([sys.executable, str(BENCH / "backtest_real.py"), "--data",
                          str(tmp_path)], capture_output=True, text=True, timeout=120,
                         cwd=BENCH.parent)
    assert out.returncode == 1 and "pass --data DIR" in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("script", ["level_steps.py", "run_real.py"])
def test_real_data_benchmarks_name_the_data_option_when_its_folder_is_missing(tmp_path, script):
    out = subprocess.run([sys.executable, str(BENCH / script), "--data", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=BENCH.parent)
    assert out.returncode == 1 and "pass --data DIR" in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
