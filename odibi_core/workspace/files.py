"""Replacing a user's file (the project YAML, a .sql file) without ever leaving half of it."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to a temp file beside ``target`` (flushed to disk, same permissions), then
    rename it over ``target``: readers and a crash see the old file or the new one, never a mix."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if target.is_file():
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
