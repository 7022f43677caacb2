"""Same seed, same bytes (whatever the number of workers); another seed, other bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datagen import Plan, generate
from tests.datagen.conftest import SCALE, SEED


def tree_hash(root: Path) -> str:
    """SHA-256 over every file's relative path and content; nothing is excluded."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def test_same_seed_gives_the_same_bytes_in_process_and_single_worker(landing, tmp_path):
    again = generate(Plan(scale=SCALE, seed=SEED), tmp_path / "again", workers=1)
    assert again.files == sum(1 for p in landing.rglob("*") if p.is_file())
    assert tree_hash(tmp_path / "again") == tree_hash(landing)


def test_a_different_seed_gives_different_data(landing, tmp_path):
    generate(Plan(scale=SCALE, seed=SEED + 1), tmp_path / "other", workers=2)
    assert tree_hash(tmp_path / "other") != tree_hash(landing)
    first = min((landing / "events/clicks/date=2026-10-10").iterdir()).read_bytes()[:200]
    other = min((tmp_path / "other/events/clicks/date=2026-10-10").iterdir()).read_bytes()[:200]
    assert first != other


def test_regenerating_over_a_landing_replaces_it(tmp_path):
    out = tmp_path / "l"
    generate(Plan(scale=SCALE, seed=1, days=2), out, workers=1)
    (out / "events" / "clicks" / "date=2026-10-30" / "stray.jsonl").write_text("{}\n")
    generate(Plan(scale=SCALE, seed=1, days=3), out, workers=1)
    assert not (out / "events" / "clicks" / "date=2026-10-30" / "stray.jsonl").exists()
    assert min(p.name for p in (out / "events" / "clicks").iterdir()) == "date=2026-10-29"
