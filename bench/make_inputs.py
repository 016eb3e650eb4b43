"""Generate benchmark inputs of N units from the seed corpus and its gold.

For each size it writes, under bench/out/N/:
  raw.jsonl   articles (one per row, field "text") for `viner corpus build`
  gold.jsonl  the same units with their gold spans, for validate/convert/evaluate/export
Every unit is a seed paragraph with a unique numbered suffix ("Mã tin 000123."), so no two
units are duplicates and the gold spans stay valid (the suffix comes after them).

    python bench/make_inputs.py 1000 10000 100000
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from viner.formats import doccano_jsonl  # noqa: E402


def seed_units() -> list:
    units = []
    for path in sorted((ROOT / "annotations" / "gold").glob("*.jsonl")):
        units.extend(doccano_jsonl.read(path))
    return units


def make(size: int, out: Path, per_article: int = 15) -> None:
    units = seed_units()
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "raw.jsonl").open("w", encoding="utf-8") as raw,
        (out / "gold.jsonl").open("w", encoding="utf-8") as gold,
    ):
        article: list[str] = []
        for i in range(size):
            seed = units[i % len(units)]
            text = f"{seed.text} Mã tin {i:07d}."
            spans = [s.as_list() for s in seed.spans]
            gold.write(
                json.dumps(
                    {"text": text, "label": spans, "meta": {"source": f"article-{i // per_article:06d}"}},
                    ensure_ascii=False,
                )
                + "\n"
            )
            article.append(text)
            if len(article) == per_article or i == size - 1:
                raw.write(json.dumps({"text": "\n".join(article), "id": i // per_article}, ensure_ascii=False) + "\n")
                article = []


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        size = int(arg)
        make(size, ROOT / "bench" / "out" / str(size))
        print(f"bench/out/{size}: {size} units")
