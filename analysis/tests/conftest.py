import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    """Runs the agora binary (AGORA_BINARY, else the debug build) from the repository root."""
    binary = os.environ.get("AGORA_BINARY") or str(ROOT / ".build" / "debug" / "agora")
    if not Path(binary).exists():
        pytest.fail(f"no agora binary at {binary}; build it first (swift build) or set AGORA_BINARY")
    catalog = tmp_path_factory.mktemp("catalog") / "catalog.sqlite"
    # The package's own calls (agora.run, agora.sweep) find the same binary and catalog.
    for key in [k for k in os.environ if k.startswith("OPENAI_")]:
        del os.environ[key]
    os.environ["AGORA_BINARY"] = binary
    os.environ["AGORA_CATALOG"] = str(catalog)
    os.environ["AGORA_PYTHON"] = sys.executable  # for agora export
    env = dict(os.environ)

    def run(*args):
        done = subprocess.run([binary, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"agora {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def raw(*args):
        """The finished process, whatever its status."""
        return subprocess.run([binary, *args], cwd=ROOT, env=env, capture_output=True, text=True)

    run.catalog = catalog
    run.raw = raw
    return run


SMALL_MARKET = ["--set", "agents[0].count=3000", "--set", "agents[1].count=2000", "--set", "agents[2].count=4500",
                "--set", "agents[3].count=490", "--set", "agents[4].count=10", "--set", "ticks=400",
                "--set", "agents[0].params.activity=0.05", "--set", "agents[2].params.activity=0.1"]


@pytest.fixture(scope="session")
def market_run(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "market"
    cli("run", "scenarios/market.yaml", "--out", str(out), "--quiet", *SMALL_MARKET)
    return out
