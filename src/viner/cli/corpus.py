"""`viner corpus build`: raw articles -> annotation units (Doccano-importable JSONL)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..corpus import UNITS, CorpusStats, build_corpus
from ._util import Arg, Opt, app, msg

corpus_app = typer.Typer(help="Build annotation units from raw articles.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def build_cli(
    inputs: list[Path] = Arg(
        ...,
        help='Article files or folders: .txt (one article per file) and .jsonl (one article per row, field "text")',
        show_default=False,
    ),
    output: Path = Opt(
        Path("corpus/docs.jsonl"), "--output", "-o", help="JSONL file to write, importable into Doccano"
    ),
    unit: str = Opt("paragraph", "--unit", "-u", help=f"Annotation unit: {', '.join(UNITS)}"),
    encoding: str = Opt(
        "utf-8", "--encoding", "-e", help="Encoding of the input files (UTF-8 with or without BOM by default)"
    ),
    drop_captions: bool = Opt(
        False,
        "--drop-captions",
        help="Leave photo captions out (by default they are kept as units with meta.caption=true)",
    ),
    skip_invalid: bool = Opt(
        False, "--skip-invalid", help="Skip invalid JSONL rows (counted and listed) instead of stopping"
    ),
    force: bool = Opt(
        False,
        "--force",
        help="Replace an existing output even if it holds spans (an earlier units file without spans is always replaced)",
    ),
) -> None:
    """Clean raw articles, cut them into annotation units and write them as JSONL.

    Text is normalised to NFC; source URLs, comment-widget lines and lone numbers are
    removed (counted per reason); each unit gets a stable id (hash of its text) and its
    provenance (source file, position, line) in meta; exact duplicates are dropped and counted.
    The output is written atomically; an existing output with spans (annotations) is only
    replaced with --force.
    """
    if unit not in UNITS:
        raise typer.BadParameter(f"choose one of {', '.join(UNITS)}", param_hint="--unit")

    def progress(stats: CorpusStats) -> None:
        msg.text(f"... {stats.units} units from {stats.articles} articles")

    stats = build_corpus(
        inputs,
        output,
        unit=unit,
        encoding=encoding,
        drop_captions=drop_captions,
        skip_invalid=skip_invalid,
        progress=progress,
        force=force,
    )
    for problem in stats.skipped:
        msg.warn(f"skipped {problem}")
    removed = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(stats.removed.items())) or "none"
    msg.table(
        [
            ("files", stats.files),
            ("articles", stats.articles),
            (f"units ({unit})", stats.units),
            ("duplicates dropped", stats.duplicates),
            ("characters", stats.characters),
            ("photo captions", stats.captions),
            ("lines removed", removed),
            ("invalid rows skipped", len(stats.skipped)),
        ],
        title="Corpus",
    )
    msg.good(f"Wrote {stats.units} units to {output}")
