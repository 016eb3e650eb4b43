"""Data identity: content hashes of files and of folders of DocBin shards, for reports and comparisons."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def docbin_shards(folder: Path) -> list[Path]:
    """The DocBin files under a folder, at any depth (as spaCy's trainer reads a folder), in path order."""
    return sorted(p for p in folder.rglob("*.spacy") if p.is_file())


def data_sha256(path: Path | str) -> str:
    """SHA-256 of a data file; for a folder of DocBin shards (at any depth), of the shards' paths and hashes."""
    path = Path(path)
    if not path.is_dir():
        return file_sha256(path)
    digest = hashlib.sha256()
    for shard in docbin_shards(path):
        digest.update(f"{shard.relative_to(path).as_posix()}\t{file_sha256(shard)}\n".encode())
    return digest.hexdigest()
