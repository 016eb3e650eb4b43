"""`viner import-conll` and `viner export`: CoNLL/IOB and Hugging Face datasets <-> Doccano JSONL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator, List, Optional

from ..errors import InvalidInput, VinerError
from ..formats import conll, docbin, doccano_jsonl, hf_datasets
from ..io import find_files, refuse_overwrite
from ..record import Example, Problem
from ..tokens import TOKENISATIONS, SplitToken, Tokeniser
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels

FORMATS = ("conll", "hf")


def _names(text: Optional[str], option: str, example: str) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if text is not None and not names:
        raise VinerError(f"{option}: give comma-separated names, for example {example}")
    return names


@app.command("import-conll")
def import_conll_cli(
    inputs: List[Path] = Arg(..., help="CoNLL/IOB files (TOKEN ... TAG per line, blank line between sentences) or folders of .conll/.iob/.bio/.txt/.tsv files", show_default=False),
    output: Path = Opt(..., "--output", "-o", help="Doccano JSONL file to write", show_default=False),
    label_map: Optional[str] = Opt(None, "--label-map", "-m", help="Rename labels, e.g. PER=PERSON,ORG=ORG,LOC=GPE (unmapped labels are kept)"),
    drop: Optional[str] = Opt(None, "--drop", help="Comma-separated labels (as in the file) whose entities are left out, e.g. MISC"),
    join: str = Opt("smart", "--join", help="How tokens are joined into text: 'smart' (no space before , . : ; ! ? ) and after ( etc., see docs/formats.md) or 'space' (single spaces, exactly VLSP's text)"),
    keep_underscores: bool = Opt(False, "--keep-underscores", help="Keep '_' in tokens (by default '_' between syllables of a word-level file becomes a space)"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help=f"{LABELS_HELP} after --label-map [default: PERSON,ORG,GPE,EVENT]"),
    any_label: bool = Opt(False, "--any-label", help="Accept every label (skip the label-set check)"),
    encoding: str = Opt("utf-8", "--encoding", "-e", help="Encoding of the input files"),
    skip_invalid: bool = Opt(False, "--skip-invalid", help="Skip sentences with problems (each reported) instead of stopping and writing nothing"),
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
    mapping = conll.parse_label_map(label_map)
    dropped = set(_names(drop, "--drop", "MISC or MISC,DATE"))
    allowed = None if any_label else parse_labels(labels)
    files = find_files(inputs, conll.SUFFIXES)
    refuse_overwrite(output, force, "annotations")
    problems: list[Problem] = []
    skipped: list[None] = []
    texts: Counter = Counter()
    per_label: Counter = Counter()

    def on_problem(problem: Problem) -> None:
        problems.append(problem)
        if skip_invalid:
            msg.warn(f"skipped: {problem}")

    def examples() -> Iterator[Example]:
        for path in files:
            for example in conll.read(path, label_map=mapping, drop=dropped, labels=allowed, join=join, keep_underscores=keep_underscores, encoding=encoding, on_problem=on_problem, on_skip=lambda: skipped.append(None)):
                texts[example.id] += 1
                per_label.update(s.label for s in example.spans)
                yield example
        if problems and not skip_invalid:
            raise InvalidInput(problems)
        if not texts:  # raised inside the writer, so an earlier OUTPUT stays as it was
            raise VinerError(f"no valid sentence in {', '.join(map(str, files))}; nothing was written")

    count = doccano_jsonl.write(examples(), output)
    rows = [(label, n) for label, n in sorted(per_label.items())]
    if rows:
        msg.table(rows, header=("label", "entities"), divider=True, title="Imported")
    duplicates = sum(n - 1 for n in texts.values())
    if duplicates:
        msg.warn(f"{duplicates} sentence(s) repeat the text of an earlier one (kept; `viner convert` keeps only the first)")
    if problems:
        msg.warn(f"{len(skipped)} sentence(s) skipped because of {len(problems)} problem(s)")
    msg.good(f"Wrote {count} units from {len(files)} file(s) to {output}")


def _export_inputs(paths: List[Path]) -> list[Path]:
    """Input files; a folder ``NAME.spacy/`` of DocBin shards (large `viner convert` outputs) is one input."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and path.suffix.lower() in docbin.SUFFIXES:
            out.append(path)
            continue
        for file in find_files([path], doccano_jsonl.SUFFIXES + docbin.SUFFIXES):
            unit = file.parent if file.parent != path and file.parent.suffix.lower() in docbin.SUFFIXES else file
            if unit not in out:
                out.append(unit)
    return out


class _Inputs:
    """The examples of each input (JSONL or DocBin), read twice and never held in memory.

    :meth:`check` reads everything once before any output is written: every problem is
    reported together, empty inputs are refused, and the labels met are collected (the
    Hugging Face tag names need them before the first row). :meth:`examples` then streams
    one input again, with a location for messages.
    """

    def __init__(self, labels) -> None:
        self.labels = labels
        self.found: set[str] = set()
        self.counts: dict[Path, int] = {}
        self._nlp = None

    def _read(self, path: Path, on_problem=None) -> Iterator[tuple[str, Example]]:
        if path.suffix.lower() in docbin.SUFFIXES:
            if self._nlp is None:
                import spacy

                self._nlp = spacy.blank("xx")
            for i, example in enumerate(docbin.read(path, self._nlp), start=1):
                yield f"{path}#doc{i}", example
        else:
            for line, example in doccano_jsonl.read_located(path, self.labels, on_problem):
                yield f"{path}:{line}", example

    def check(self, files: list[Path]) -> None:
        problems: list[Problem] = []
        for path in files:
            count = 0
            for _, example in self._read(path, problems.append):
                count += 1
                self.found.update(s.label for s in example.spans)
            if not count and not problems:
                raise VinerError(f"{path}: holds no units to export (an empty file?)")
            self.counts[path] = count
        if problems:
            raise InvalidInput(problems)

    def examples(self, path: Path, current: list[str]) -> Iterator[Example]:
        for where, example in self._read(path):
            current[0] = where
            yield example


@app.command("export")
def export_cli(
    inputs: List[Path] = Arg(..., help="Doccano JSONL files, .spacy DocBins (e.g. corpus/train.spacy) or folders of them", show_default=False),
    output: Path = Opt(..., "--output", "-o", help="conll: the file to write (one input) or a folder of NAME.conll files (several inputs); hf: the dataset folder", show_default=False),
    fmt: str = Opt("conll", "--format", "-f", help="conll: IOB2, tab-separated TOKEN<TAB>TAG; hf: a Hugging Face DatasetDict saved to disk"),
    tokens: str = Opt("word", "--tokens", "-t", help="word: the tokenizer of --config (pyvi words are written with '_' joining their syllables; the default config's tokens are syllables); syllable: rule-based whitespace and punctuation split"),
    config: Optional[Path] = Opt(None, "--config", "-c", help="Training config whose tokenizer gives the word tokens [default: configs/ner.cfg if it exists, else spaCy's Vietnamese tokenizer with pyvi]"),
    split_names: Optional[str] = Opt(None, "--split-names", help="Comma-separated split names, one per input file (default: the file names)"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help=f"{LABELS_HELP} [default: PERSON,ORG,GPE,EVENT]"),
    any_label: bool = Opt(False, "--any-label", help="Accept every label (skip the label-set check)"),
    comments: bool = Opt(False, "--comments", help="conll: write '# id =', '# text =' and '# meta =' lines so `viner import-conll` restores texts exactly (many CoNLL readers do not accept them)"),
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
    allowed = None if any_label else parse_labels(labels)
    files = _export_inputs(inputs)
    names = _names(split_names, "--split-names", "train,dev,test") if split_names is not None else [hf_datasets.split_name(p.stem) for p in files]
    if len(names) != len(files):
        raise VinerError(f"--split-names: got {len(names)} name(s) for {len(files)} input file(s)")
    repeated = sorted(n for n, c in Counter(names).items() if c > 1)
    if repeated:
        raise VinerError(f"several inputs would be written as {', '.join(repeated)}; name them with --split-names")
    if fmt == "conll" and len(files) > 1:
        if output.exists() and not output.is_dir():
            raise VinerError(f"{output}: is a file; with several inputs --output must be a folder (one NAME.conll per input)")
        for name in names:
            refuse_overwrite(output / f"{name}.conll", force, "exported annotations")
    else:
        refuse_overwrite(output, force, "exported annotations")
    tokeniser = Tokeniser(tokens, config=str(config) if config else None)
    data = _Inputs(allowed)
    data.check(files)
    split_count = [0]
    current = [""]

    def on_split(split: SplitToken) -> None:
        split_count[0] += 1
        msg.warn(f"{current[0]}: {split.describe()}")

    if fmt == "hf":
        splits = {name: data.examples(path, current) for name, path in zip(names, files)}
        base = list(allowed) if allowed else []
        all_labels = base + sorted(data.found - set(base))
        counts = hf_datasets.write(splits, output, tokeniser, labels=base, all_labels=all_labels, on_split=on_split)
        msg.table(list(counts.items()), header=("split", "units"), divider=True, title="Hugging Face dataset")
    else:
        counts = {}
        for name, path in zip(names, files):
            target = output if len(files) == 1 else output / f"{name}.conll"
            counts[str(target)] = conll.write(data.examples(path, current), target, tokeniser, comments=comments, docstart=docstart, on_split=on_split)
        msg.table(list(counts.items()), header=("file", "sentences"), divider=True, title="CoNLL")
    if split_count[0]:
        msg.warn(f"{split_count[0]} span(s) did not fall on token edges; their tokens were split so every span is kept")
    msg.good(f"Wrote {sum(counts.values())} units to {output}")
