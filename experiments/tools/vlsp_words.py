"""VLSP 2016 in the published setting: gold words as tokens, each personal name one token (VnCoreNLP's protocol).

The published CPU figures on VLSP 2016 NER (VnCoreNLP 88.55, BiLSTM-CNN-CRF 88.28) were given VLSP's gold word
segmentation, with one change that VnCoreNLP's authors made and NLP-progress states: in VLSP's files a personal
name is cut into one-syllable words ("Nguyễn / Trung / Hiếu", B-PER I-PER I-PER) where every Vietnamese word
segmenter writes a full name as one word, so "contiguous syllables constituting a full name are merged to form a
word" ("Nguyễn_Trung_Hiếu", B-PER). Other entities stay the gold words they are ("Phổ_Văn", "miền Bắc").

This reads VLSP's word-level CoNLL (a word per line, its syllables joined by a space when columns are tab-separated
or by ``_``; the tag in the last column: VLSP's original files carry a nested-entity column after it, cut it first)
with viner's CoNLL reader (labels mapped, MISC dropped, bad tag lines reported with file and line and skipped with
--skip-invalid), merges every entity of a --merge label into one word, and writes one Doccano JSONL per file whose
text is the tokens joined by spaces, a token's syllables joined by ``_`` ("Ông Nguyễn_Trung_Hiếu làm_việc tại
Đại_học Quốc_gia Hà_Nội ."). Then viner convert tokenises them with spaCy's Vietnamese tokenizer without pyvi (a
whitespace tokenizer: one token per word, TOKENIZER below, the override of `train-likeforlike`) into
OUTPUT/NAME.spacy (--per-file: dev units repeating a train unit are skipped, as in the syllable setting). A span
edge inside a gold word is split there and counted (the published data has none); convert's misalignment count,
0 when the words and the tokenizer agree, is printed and kept in OUTPUT/convert-report.json.

--words pyvi reads a syllable-level copy instead (the two-column files of experiments/assets/vlsp2016/, which have
no word segmentation): pyvi's words (viner_words' segmenter) stand for the gold words, cut at every entity edge.
It approximates the setting (entity edges and names given, other words predicted); it is not VLSP's segmentation.

    python tools/vlsp_words.py assets/vlsp2016-words/train.txt assets/vlsp2016-words/dev.txt \\
        --jsonl assets/vlsp-words --output corpus/vlsp-words --skip-invalid
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from viner.components.words import segment
from viner.convert import convert
from viner.errors import InvalidInput, VinerError
from viner.formats import conll, doccano_jsonl
from viner.formats.conll.read import TAG
from viner.formats.conll.text import join_tokens, token_text
from viner.import_conll import ConllReading
from viner.io import iter_lines, write_json, write_text
from viner.record import Example, Problem, Span, make_example

TOKENIZER = {"@tokenizers": "spacy.vi.VietnameseTokenizer", "use_pyvi": False}  # splits at whitespace only
WORDS = ("gold", "pyvi")
SYLLABLE_JOIN = "_"


@dataclass
class FileCounts:
    """What one input file gave."""

    sentences: int = 0
    skipped: int = 0  # sentences with a problem, left out (--skip-invalid)
    syllables: int = 0
    tokens: int = 0  # words after merging: the tokens of the DocBin
    names_merged: int = 0  # entities of a --merge label that were more than one word
    edges_cut: int = 0  # words split because an entity starts or ends inside them
    entities: Counter = field(default_factory=Counter)


def raw_sentences(path: Path, encoding: str = "utf-8") -> dict[int, list[str]]:
    """The first column of each sentence, keyed by the line of its first token (viner's ``meta.line``)."""
    sentences: dict[int, list[str]] = {}
    first = 0
    for number, line in iter_lines(path, encoding):
        if not line.strip():
            first = 0
            continue
        columns = [c.strip() for c in line.split("\t")] if "\t" in line else line.split()
        if len(columns) >= 5 and all(TAG.match(tag) for tag in columns[-2:]):
            raise VinerError(
                f"{path}:{number}: two tag columns (VLSP's original layout: the NER tag, then the nested-entity tag); "
                "the tag is read from the last column: drop the nested one first (cut -f1-4)"
            )
        column = columns[0]
        if not first:
            first = number
            sentences[first] = []
        sentences[first].append(column)
    return sentences


def word_ranges(example: Example, raws: Sequence[str], words: str, where: str) -> list[tuple[int, int]]:
    """Character ranges of the words of ``example.text`` (gold: one per CoNLL token; pyvi: pyvi's words)."""
    text, offsets = join_tokens([token_text(raw, False) for raw in raws], "space")
    if text != example.text:
        raise VinerError(f"{where}: the sentence's tokens do not rebuild its text (a `# text =` line?): {text[:60]!r}")
    if words == "gold":
        return offsets
    syllables = [syllable for start, end in offsets for syllable in text[start:end].split()]
    if len(syllables) != len(offsets):
        raise VinerError(f"{where}: --words pyvi reads one syllable per line, but a token holds a space")
    return [(offsets[a][0], offsets[b - 1][1]) for a, b in segment(syllables)]


def cut_at_edges(text: str, ranges: list[tuple[int, int]], spans: Sequence[Span]) -> tuple[list[tuple[int, int]], int]:
    """Split every word an entity starts or ends inside (between two of its syllables, or inside one); returns the
    words, without the spaces at a cut, and how many words were split."""
    edges = sorted({edge for span in spans for edge in (span.start, span.end)})
    out: list[tuple[int, int]] = []
    cut = 0
    for start, end in ranges:
        inside = [edge for edge in edges if start < edge < end]
        cut += bool(inside)
        bounds = [start, *inside, end]
        for a, b in zip(bounds, bounds[1:]):
            piece = text[a:b]
            a, b = a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
            if a < b:
                out.append((a, b))
    return out, cut


def merge_names(
    ranges: list[tuple[int, int]], spans: Sequence[Span], merge: set[str]
) -> tuple[list[tuple[int, int]], int]:
    """One token for each entity of a ``merge`` label; returns the tokens and how many entities were several words."""
    merged = 0
    for span in spans:
        if span.label not in merge:
            continue
        inside = [r for r in ranges if span.start <= r[0] and r[1] <= span.end]
        if len(inside) > 1:
            merged += 1
            ranges = [r for r in ranges if r not in inside] + [(span.start, span.end)]
    return sorted(ranges), merged


def render(example: Example, ranges: list[tuple[int, int]]) -> Example:
    """The tokens joined by spaces, a token's syllables by ``_``; the spans moved with them."""
    parts: list[str] = []
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    position = 0
    for start, end in ranges:
        if parts:
            position += 1
        token = SYLLABLE_JOIN.join(example.text[start:end].split())
        starts[start], ends[end] = position, position + len(token)
        parts.append(token)
        position += len(token)
    text = " ".join(parts)
    spans = [(starts[s.start], ends[s.end], s.label) for s in example.spans]
    out, errors = make_example(text, spans, meta=example.meta, labels=None)
    if out is None:
        raise VinerError(f"{example.meta.get('source')}: {errors}")
    return out


def word_examples(
    path: Path, reading: ConllReading, words: str, merge: set[str], counts: FileCounts
) -> Iterator[Example]:
    """The sentences of ``path`` as word-token examples (see the module docstring)."""
    raws = raw_sentences(path)
    problems: list[Problem] = []

    def skipped() -> None:
        counts.skipped += 1

    on_problem = problems.append if reading.skip_invalid else None
    found_word = False
    for example in conll.read(
        path,
        label_map=reading.label_map,
        drop=reading.drop,
        labels=None,
        join="space",
        on_problem=on_problem,
        on_skip=skipped,
    ):
        line = int(example.meta["line"])
        sentence = raws[line]
        found_word = found_word or any(" " in raw.strip() or SYLLABLE_JOIN in raw.strip("_") for raw in sentence)
        ranges = word_ranges(example, sentence, words, f"{path}:{line}")
        ranges, cut = cut_at_edges(example.text, ranges, example.spans)
        if cut and words == "gold":
            print(f"{path}:{line}: an entity edge falls inside {cut} gold word(s); split there", file=sys.stderr)
        ranges, merged = merge_names(ranges, example.spans, merge)
        counts.sentences += 1
        counts.syllables += len(example.text.split())
        counts.tokens += len(ranges)
        counts.names_merged += merged
        counts.edges_cut += cut
        counts.entities.update(span.label for span in example.spans)
        yield render(example, ranges)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if words == "gold" and counts.sentences and not found_word:
        raise VinerError(
            f"{path}: every token is one syllable: this is a syllable-level copy without VLSP's word segmentation; "
            "give the word-level files (a word per line), or --words pyvi for the approximate setting"
        )


def tokenizer_config(folder: Path) -> Path:
    """``FOLDER/tokenizer.cfg``: the language and TOKENIZER, all that viner convert reads of its ``--config``."""
    options = "".join(f"{key} = {json.dumps(value)}\n" for key, value in TOKENIZER.items())
    return write_text(f'[nlp]\nlang = "vi"\n\n[nlp.tokenizer]\n{options}', folder / "tokenizer.cfg")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", type=Path, nargs="+", help="VLSP CoNLL files, train first (each gives NAME.spacy)")
    parser.add_argument("--jsonl", type=Path, required=True, help="folder for the word-token Doccano JSONL files")
    parser.add_argument("--output", "-o", type=Path, required=True, help="folder for the DocBins (NAME.spacy)")
    parser.add_argument(
        "--words", choices=WORDS, default="gold", help="gold: the files' words; pyvi: pyvi's words over syllables"
    )
    parser.add_argument("--label-map", default="PER=PERSON,ORG=ORG,LOC=GPE", help="FROM=TO,... as import-conll")
    parser.add_argument("--drop", default="MISC", help="labels left out, comma-separated, as import-conll")
    parser.add_argument("--merge", default="PERSON", help="labels (after --label-map) whose entities become one token")
    parser.add_argument("--skip-invalid", action="store_true", help="skip sentences with bad tags (each reported)")
    args = parser.parse_args(argv)
    reading = ConllReading(
        label_map=conll.parse_label_map(args.label_map),
        drop={label for label in args.drop.split(",") if label},
        skip_invalid=args.skip_invalid,
    )
    merge = {label for label in args.merge.split(",") if label}
    try:
        counts = {path.stem: FileCounts() for path in args.inputs}
        args.jsonl.mkdir(parents=True, exist_ok=True)
        jsonl = []
        for path in args.inputs:
            target = args.jsonl / f"{path.stem}.jsonl"
            doccano_jsonl.write(word_examples(path, reading, args.words, merge, counts[path.stem]), target)
            jsonl.append(target)
        report = convert(jsonl, args.output, config=tokenizer_config(args.jsonl), per_file=True, labels=None)
    except InvalidInput as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s); nothing was converted (--skip-invalid skips those sentences)")
        return 1
    except VinerError as err:
        print(err, file=sys.stderr)
        return 1
    summary = {
        "words": args.words,
        "merge": sorted(merge),
        "tokenizer": TOKENIZER,
        "misaligned": len(report.misaligned),
        "files": {name: {**vars(c), "entities": dict(c.entities)} for name, c in counts.items()},
    }
    write_json(summary, args.jsonl / "words-report.json")
    for name, c in counts.items():
        print(
            f"{name}: {c.sentences:,} sentences ({c.skipped} skipped), {c.syllables:,} syllables -> {c.tokens:,} "
            f"tokens; {c.names_merged:,} names merged into one token; {c.edges_cut} word(s) cut at an entity edge"
        )
    print(f"DocBins in {args.output}; spans not on a token edge: {len(report.misaligned)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
