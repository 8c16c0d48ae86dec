"""The example notebook runs end to end: a scenario, a sweep and an export."""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from conftest import ROOT


def test_the_research_notebook_executes(cli, tmp_path, monkeypatch):
    notebook = nbformat.read(ROOT / "analysis" / "examples" / "research.ipynb", as_version=4)
    monkeypatch.setenv("AGORA_OUT", str(tmp_path))
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    # The export's DuckDB table and the sweep's table are in the outputs; the files are on disk.
    assert "ACME" in text and "auction" in text and "peak_infected" in text
    assert (tmp_path / "market-parquet" / "trade.parquet").exists() and (tmp_path / "market" / "manifest.json").exists()
    assert any("image/png" in o.get("data", {}) for o in outputs), "the stylized-facts figure is drawn"
    assert os.environ["AGORA_OUT"] == str(tmp_path) and Path(os.environ["AGORA_CATALOG"]).exists()
