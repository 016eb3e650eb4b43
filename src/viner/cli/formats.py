"""`viner import-conll` and `viner export`: CoNLL/IOB and Hugging Face datasets <-> Doccano JSONL."""

from __future__ import annotations

from pathlib import Path

from ..errors import VinerError
from ..export import FORMATS, ExportOptions, export
from ..formats import conll
from ..import_conll import ConllReading, import_conll
from ..record import Problem
from ..tokens import TOKENISATIONS, SplitToken
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels, parse_names


@app.command("import-conll")
def import_conll_cli(
    inputs: list[Path] = Arg(
        ...,
        help="CoNLL/IOB files (TOKEN ... TAG per line, blank line between sentences) or folders of .conll/.iob/.bio/.txt/.tsv files",
        show_default=False,
    ),
    output: Path = Opt(..., "--output", "-o", help="Doccano JSONL file to write", show_default=False),
    label_map: str | None = Opt(
        None, "--label-map", "-m", help="Rename labels, e.g. PER=PERSON,ORG=ORG,LOC=GPE (unmapped labels are kept)"
    ),
    drop: str | None = Opt(
        None, "--drop", help="Comma-separated labels (as in the file) whose entities are left out, e.g. MISC"
    ),
    join: str = Opt(
        "smart",
        "--join",
        help="How tokens are joined into text: 'smart' (no space before , . : ; ! ? ) and after ( etc., see docs/formats.md) or 'space' (single spaces, exactly VLSP's text)",
    ),
    keep_underscores: bool = Opt(
        False,
        "--keep-underscores",
        help="Keep '_' in tokens (by default '_' between syllables of a word-level file becomes a space)",
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=f"{LABELS_HELP}; checked after --label-map"),
    any_label: bool = Opt(False, "--any-label", help="Accept every label (skip the label-set check)"),
    encoding: str = Opt("utf-8", "--encoding", "-e", help="Encoding of the input files"),
    skip_invalid: bool = Opt(
        False,
        "--skip-invalid",
        help="Skip sentences with problems (each reported) instead of stopping and writing nothing",
    ),
    force: bool = Opt(False, "--force", help="Replace OUTPUT if it exists"),
) -> None:
    """Read CoNLL/IOB files (BIO, IOB2, BIOES; syllable- or word-level) into Doccano JSONL.

    Each sentence becomes one unit; its text is rebuilt from the tokens ('_' inside
    words becomes a space; punctuation spacing by --join) and entity offsets are
    computed on the way. Malformed lines, unknown tags and I- tags without a B- are
    reported with file and line; by default nothing is written when there is any.
    """
    if join not in conll.JOINS:
        raise VinerError(f"--join must be one of {', '.join(conll.JOINS)}, got {join!r}")
    reading = ConllReading(
        label_map=conll.parse_label_map(label_map),
        drop=set(parse_names(drop, "--drop", "MISC or MISC,DATE")),
        labels=None if any_label else parse_labels(labels),
        join=join,
        keep_underscores=keep_underscores,
        encoding=encoding,
        skip_invalid=skip_invalid,
    )

    def skipped(problem: Problem) -> None:
        msg.warn(f"skipped: {problem}")

    result = import_conll(inputs, output, reading, force=force, on_skip=skipped)
    rows = sorted(result.per_label.items())
    if rows:
        msg.table(rows, header=("label", "entities"), divider=True, title="Imported")
    if result.duplicates:
        msg.warn(
            f"{result.duplicates} sentence(s) repeat the text of an earlier one (kept; `viner convert` keeps only the first)"
        )
    if result.problems:
        msg.warn(f"{result.skipped} sentence(s) skipped because of {len(result.problems)} problem(s)")
    msg.good(f"Wrote {result.units} units from {len(result.files)} file(s) to {output}")


@app.command("export")
def export_cli(
    inputs: list[Path] = Arg(
        ..., help="Doccano JSONL files, .spacy DocBins (e.g. corpus/train.spacy) or folders of them", show_default=False
    ),
    output: Path = Opt(
        ...,
        "--output",
        "-o",
        help="conll: the file to write (one input) or a folder of NAME.conll files (several inputs); hf: the dataset folder",
        show_default=False,
    ),
    fmt: str = Opt(
        "conll",
        "--format",
        "-f",
        help="conll: IOB2, tab-separated TOKEN<TAB>TAG; hf: a Hugging Face DatasetDict saved to disk",
    ),
    tokens: str = Opt(
        "word",
        "--tokens",
        "-t",
        help="word: the tokenizer of --config (pyvi words are written with '_' joining their syllables; the default config's tokens are syllables); syllable: rule-based whitespace and punctuation split",
    ),
    config: Path | None = Opt(
        None,
        "--config",
        "-c",
        help="Training config whose tokenizer gives the word tokens [default: configs/ner.cfg if it exists, else spaCy's Vietnamese tokenizer with pyvi]",
    ),
    split_names: str | None = Opt(
        None, "--split-names", help="Comma-separated split names, one per input file (default: the file names)"
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP),
    any_label: bool = Opt(False, "--any-label", help="Accept every label (skip the label-set check)"),
    comments: bool = Opt(
        False,
        "--comments",
        help="conll: write '# id =', '# text =' and '# meta =' lines so `viner import-conll` restores texts exactly (many CoNLL readers do not accept them)",
    ),
    docstart: bool = Opt(False, "--docstart", help="conll: write a -DOCSTART- line before each article"),
    force: bool = Opt(False, "--force", help="Replace OUTPUT if it exists"),
) -> None:
    """Export gold annotations as CoNLL (IOB2) or as a Hugging Face DatasetDict (tokens, ner_tags, text, spans).

    Tokens are the tokenizer of --config (syllables by default; pyvi words with a pyvi config) or rule-based syllables; a token
    that an entity starts or ends inside is split at the entity's edge, so no span is
    lost, and each such span is reported with file, line and text.
    """
    if fmt not in FORMATS:
        raise VinerError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if tokens not in TOKENISATIONS:
        raise VinerError(f"--tokens must be one of {', '.join(TOKENISATIONS)}, got {tokens!r}")
    options = ExportOptions(
        fmt=fmt,
        tokens=tokens,
        config=config,
        labels=None if any_label else parse_labels(labels),
        split_names=parse_names(split_names, "--split-names", "train,dev,test") if split_names is not None else None,
        comments=comments,
        docstart=docstart,
        force=force,
    )

    def split(where: str, token: SplitToken) -> None:
        msg.warn(f"{where}: {token.describe()}")

    result = export(inputs, output, options, on_split=split)
    if fmt == "hf":
        msg.table(list(result.counts.items()), header=("split", "units"), divider=True, title="Hugging Face dataset")
    else:
        msg.table(list(result.counts.items()), header=("file", "sentences"), divider=True, title="CoNLL")
    if result.split_spans:
        msg.warn(
            f"{result.split_spans} span(s) did not fall on token edges; their tokens were split so every span is kept"
        )
    msg.good(f"Wrote {result.units} units to {output}")
