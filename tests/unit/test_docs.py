"""The documentation lists what the code has."""

from pathlib import Path

from sim.kpi import CATALOGUE, catalogue_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_kpi_is_documented() -> None:
    text = (ROOT / "docs" / "kpis.md").read_text()
    assert catalogue_markdown() in text, "regenerate the table with `sim kpis --markdown`"
    for kpi in CATALOGUE:
        assert f"| `{kpi.name}` | {kpi.unit} |" in text, kpi.name


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_notebooks_are_stored_without_outputs() -> None:
    """Outputs belong to whoever runs a notebook, not to the repository (make test runs them)."""
    import json

    books = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(books) == 5
    for book in books:
        cells = json.loads(book.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), book.name
