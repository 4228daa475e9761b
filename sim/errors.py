"""The one error type a user sees for bad input: file, key path, what was expected."""

from __future__ import annotations

from collections.abc import Sequence


def format_path(path: Sequence[str | int]) -> str:
    """``("demand", "streams", 2, "sku")`` -> ``demand.streams[2].sku``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


class ScenarioError(Exception):
    """One or more problems with a scenario; ``str()`` is the message for the user."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1 and self.problems[0][0] == "(file)":
            return f"{self.source}: {self.problems[0][1]}"
        shown = self.problems[:12]
        lines = [f"{self.source}: {len(self.problems)} problem(s) in the scenario"]
        lines += [f"  {path}: {message}" for path, message in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)
