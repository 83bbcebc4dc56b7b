"""Writing files: the one place that touches the file system for output.

Every file is written atomically (temp file + rename) and only when its content changes,
so a reader never sees half a file and a watching server does not rebuild in a loop.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, content: str) -> bool:
    """Write ``content`` to ``path`` via a temp file and rename; False if unchanged."""
    path = Path(path)
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
