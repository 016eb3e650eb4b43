"""`viner vectors`: floret vectors trained on your own raw text."""

from __future__ import annotations

from pathlib import Path

from ..vectors import train_vectors
from ._util import Arg, Opt, app, msg


@app.command("vectors")
def vectors_cli(
    inputs: list[Path] = Arg(
        ...,
        help='Raw text: .txt articles, .jsonl (field "text"), .spacy DocBins, or folders of them',
        show_default=False,
    ),
    output: Path = Opt(
        Path("vectors"), "--output", "-o", help="spaCy vectors folder to write (set paths.vectors to it)"
    ),
    config: Path = Opt(
        Path("configs/ner.cfg"), "--config", "-c", help="Training config whose tokenizer the text is tokenised with"
    ),
    dim: int = Opt(300, "--dim", help="Vector dimensions"),
    epochs: int = Opt(10, "--epochs", help="Training epochs over the text"),
    min_count: int = Opt(2, "--min-count", help="Minimum frequency of a token to get its own word entry"),
    minn: int = Opt(3, "--minn", help="Shortest character n-gram"),
    maxn: int = Opt(5, "--maxn", help="Longest character n-gram"),
    bucket: int = Opt(50000, "--bucket", help="Rows of the hash table (the vectors table's size)"),
    hash_count: int = Opt(2, "--hash-count", help="Hashes per entry (floret)"),
    threads: int = Opt(2, "--threads", help="Training threads (with more than one, runs differ slightly)"),
) -> None:
    """Train floret vectors on your raw text, tokenised as the config tokenises, and write a
    spaCy vectors folder. Use it in a config with `paths.vectors` and
    `include_static_vectors = true`, as configs/ner.cfg does.
    """
    report = train_vectors(
        inputs,
        output,
        config=config,
        dim=dim,
        epochs=epochs,
        min_count=min_count,
        minn=minn,
        maxn=maxn,
        bucket=bucket,
        hash_count=hash_count,
        threads=threads,
        on_stage=lambda text: msg.info(text),
    )
    if report.duplicates:
        msg.info(
            f"{report.duplicates:,} paragraph(s) left out: the same text came earlier (exact duplicates, as `viner corpus build` drops them)"
        )
    if report.tokens_with_spaces:
        msg.warn(
            f"{report.tokens_with_spaces:,} tokens contain spaces (word tokens); they were trained as words joined by '_', so spaCy matches only their n-grams"
        )
    msg.good(f"{report.vectors:,} vectors x {dim} from {report.tokens:,} tokens in {report.seconds:.1f} s -> {output}")
