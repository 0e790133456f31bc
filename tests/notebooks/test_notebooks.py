"""Every notebook runs top to bottom on a small simulated ledger, in a private folder.

The notebook's ``parameters`` cell is replaced so that the ledger and the MLflow store live under
``tmp_path`` (each notebook builds its own, so the four run in parallel), then the notebook is run
by ``nbclient`` in the ``python3`` kernel that ipykernel installs into the venv. A cell that raises
fails the test; each test also checks the notebook's key output exists.
"""

import ast
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from ledger.settings import PROJECT_ROOT
from tests.waits import HANG_GUARD_S

NOTEBOOKS = PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class Expect:
    """``text`` appears in the outputs, at least ``plots`` images were drawn, and ``probe`` (a
    Python literal the kernel prints after the last cell: the notebook's key result) satisfies
    ``ok``."""

    text: str
    plots: int
    probe: str
    ok: Callable[[Any], bool]


EXPECT: dict[str, Expect] = {
    "01-explore-ledger": Expect(
        "days_late",
        3,
        "sorted((s.creditor, s.invoices) for s in summaries)",
        lambda v: len(v) == 3 and all(n > 0 for _, n in v),  # the simulator's three creditors
    ),
    "02-features": Expect(
        "identical with and without the future",
        0,
        "(len(past_ledger), removed)",
        lambda v: v[0] > 0 and v[1]["contacts"] > 0,  # the cut removed something
    ),
    "03-train-and-evaluate": Expect(
        "of the oracle's net value",
        1,
        "sorted(report['replay']['policies'])",
        lambda v: {"candidate", "ladder", "oracle", "random"} <= set(v),
    ),
    "04-explain-decisions": Expect(
        "### Debtor",
        1,
        "[(r['degraded'], len(r['explanation']['shap'])) for r in recommendations]",
        lambda v: bool(v) and all(not degraded and n > 0 for degraded, n in v),  # learned answers
    ),
}


def _parameters(folder: Path) -> str:
    return "\n".join(
        [
            "from pathlib import Path",
            f"WORKDIR = Path({str(folder)!r})",
            "DB_URL = f\"sqlite:///{WORKDIR / 'ledger.db'}\"",
            "N_DEBTORS = 300",
            "DAYS = 150",
            "SEED = 7",
            "MLFLOW_TRACKING_URI = f\"sqlite:///{WORKDIR / 'mlruns.db'}\"",
        ]
    )


def _text(outputs: list[nbformat.NotebookNode]) -> str:
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        for value in out.get("data", {}).values():
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def _read(name: str) -> nbformat.NotebookNode:
    nb: nbformat.NotebookNode = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    return nb


def _run(name: str, folder: Path) -> tuple[nbformat.NotebookNode, Any]:
    """Run the notebook in ``folder`` (working directory, ledger, MLflow store, data dir)."""
    nb = _read(name)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "a notebook needs exactly one cell tagged 'parameters'"
    params[0].source = _parameters(folder)
    probe = nbformat.v4.new_code_cell(f"print(repr({EXPECT[name].probe}))")  # type: ignore[no-untyped-call]
    nb.cells.append(probe)
    env = os.environ | {
        "DUNFLOW_DATA_DIR": str(folder / "data"),  # nothing falls back on the repo's data/
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlruns.db'}",  # nor on its mlruns/
        "OMP_NUM_THREADS": "1",  # two kernels side by side on two cores
    }
    client = NotebookClient(
        nb, timeout=int(HANG_GUARD_S), kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute(env=env)
    return nb, ast.literal_eval(_text(nb.cells[-1].outputs).strip())


# under ``--dist loadgroup`` the two notebooks that train (03, 04: about a minute each) go to
# different workers, each with one of the quick ones
GROUPS = {
    "01-explore-ledger": "notebooks-a",
    "03-train-and-evaluate": "notebooks-a",
    "02-features": "notebooks-b",
    "04-explain-decisions": "notebooks-b",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.xdist_group(GROUPS[n])) for n in sorted(EXPECT)]
)
def test_notebook_runs_top_to_bottom(name: str, tmp_path: Path) -> None:
    nb, probe = _run(name, tmp_path)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert EXPECT[name].text in _text(outputs)
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= EXPECT[name].plots
    assert EXPECT[name].ok(probe), probe
    assert (tmp_path / "ledger.db").exists()  # built where the parameters said


def test_notebooks_are_committed_without_outputs() -> None:
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(EXPECT)
    for name in found:
        nb = _read(name)
        nbformat.validate(nb)
        assert nb.cells[0].cell_type == "markdown"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
