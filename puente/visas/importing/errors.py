"""The one refusal of an import: the file cannot be imported; nothing of it is written."""

from __future__ import annotations

from collections.abc import Iterable

from puente.core.action_contract import ActionRefused


class FileRefused(ActionRefused):
    """``problems``: one line each, naming the file and, where there is one, the row and column."""

    def __init__(self, path, problems: Iterable[str]):
        self.path = str(path)
        self.problems = [str(p) for p in problems]
        super().__init__(self.problems or [self.path], code="file")
