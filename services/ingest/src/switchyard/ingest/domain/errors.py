"""What can go wrong with an import, in the domain's words (mapped to HTTP in entrypoints)."""

from __future__ import annotations

from collections.abc import Sequence


class ImportNotFound(Exception):
    def __init__(self) -> None:
        super().__init__("No import with this id.")


class InvalidOptions(Exception):
    """An upload option is malformed; ``errors`` name each one (a 422)."""

    def __init__(self, errors: Sequence[dict[str, str]]) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = list(errors)


class NoDataRows(Exception):
    def __init__(self) -> None:
        super().__init__("The file has a header but no data rows.")


class ImportFinished(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(f"The import is already {status}.")
        self.status = status
