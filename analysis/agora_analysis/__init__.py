"""The package's former name: `import agora_analysis` is `import agora` (kept so that scripts and
notebooks written for it go on working)."""

import sys

import agora
from agora import *  # noqa: F401,F403
from agora import catalog, log, market, plots, stats  # noqa: F401

__all__ = agora.__all__

for _name in ("catalog", "log", "market", "plots", "stats", "run", "sweep", "export", "binary", "trajectories"):
    sys.modules[f"{__name__}.{_name}"] = sys.modules.get(f"agora.{_name}") or __import__(f"agora.{_name}", fromlist=["_"])
