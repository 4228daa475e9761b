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
