"""Reading a text file a person made (a step's YAML, a CSV): UTF-8, or one line naming the path
and the fix. A missing path, a folder, an unreadable file or another encoding are input errors,
never tracebacks."""

from __future__ import annotations

from pathlib import Path

from models.errors import InvalidInput


def read_text(
    path: Path,
    *,
    label: str = "",
    encoding: str = "utf-8",
    utf8_fix: str = "save it as UTF-8 (in the editor's 'Save as', encoding UTF-8) and try again",
) -> str:
    """The file's text; InvalidInput naming `label` and `path`, with the fix, when it cannot be."""
    where = f"{label} {path}".strip()
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError as exc:
        raise InvalidInput(f"{where}: no such file; check the path and the folder") from exc
    except IsADirectoryError as exc:
        raise InvalidInput(f"{where}: is a folder, not a file; give the file's path in it") from exc
    except PermissionError as exc:
        raise InvalidInput(
            f"{where}: cannot be read (permission denied); make it readable "
            f"(chmod u+r '{path}') or copy it to a folder of yours"
        ) from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"{where}: line {line} is not UTF-8 text; {utf8_fix}") from exc
    except OSError as exc:
        raise InvalidInput(
            f"{where}: cannot be read ({exc.strerror or exc}); check the path"
        ) from exc
