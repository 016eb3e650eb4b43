"""Static word vectors trained on the team's own raw text, with floret.

floret vectors (fastText with subword hashing into a small table) give every token a
vector, also the unseen ones, which matters for Vietnamese names written in many ways.
The text is tokenised exactly as the training config tokenises (vectors keyed on other
tokens would not match), one unit per line, tokens separated by spaces; the floret
model becomes a spaCy vectors folder that a config loads with ``paths.vectors`` and
``include_static_vectors = true``.

Word tokens that contain spaces (pyvi's "Tổng thống") are written with "_" for floret,
which splits on whitespace; spaCy then looks such a token up by its real text, so its
whole-word hash misses and only its syllable-level n-grams match. Syllable configs
(``spacy.Tokenizer.v1``) have no such tokens.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .corpus import CorpusStats, build_units, normalise_line
from .errors import VinerError
from .formats import docbin
from .io import atomic_path, find_files
from .pipeline import VOCAB_BLOCK, tokenizer_from_config, vocab_zone

SUFFIXES = (".txt", ".jsonl", ".spacy")


@dataclass
class VectorsReport:
    lines: int = 0
    tokens: int = 0
    tokens_with_spaces: int = 0
    duplicates: int = 0  # paragraphs left out because an earlier one has the same text
    vectors: int = 0
    seconds: float = 0.0


def iter_texts(paths: Sequence[Path | str], stats: CorpusStats | None = None) -> Iterator[str]:
    """Raw text: .txt articles and JSONL (articles or units, field ``text``) cleaned and de-duplicated
    as `viner corpus build` does (``stats.duplicates`` counts the paragraphs left out), and the texts of DocBins."""
    files = find_files(paths, SUFFIXES)
    articles = [p for p in files if p.suffix in (".txt", ".jsonl")]
    if articles:
        for unit in build_units(articles, unit="paragraph", stats=stats):
            yield unit.text
    for path in files:
        if path.suffix == ".spacy":
            import spacy

            for doc in docbin.read_docs(path, spacy.blank("xx")):
                yield doc.text


def tokenised_lines(
    texts: Iterable[str], config: Path | str, report: VectorsReport, block: int = VOCAB_BLOCK
) -> Iterator[str]:
    """Each non-empty line of ``texts`` as space-separated tokens of the config's tokenizer.

    After the first ``block`` lines, lines are tokenised ``block`` at a time in spaCy memory
    zones, so a large raw corpus does not grow the vocabulary without end (as in convert).
    """
    nlp = tokenizer_from_config(config)
    lines = (line for line in map(normalise_line, texts) if line)
    done = 0
    for chunk in iter(lambda: list(itertools.islice(lines, block)), []):
        with vocab_zone(nlp, done, block):
            tokenised = [_token_line(nlp.make_doc(line), report) for line in chunk]
        done += len(chunk)
        yield from tokenised


def _token_line(doc, report: VectorsReport) -> str:
    tokens = []
    for token in doc:
        if token.is_space:
            continue
        text = token.text
        if " " in text:
            report.tokens_with_spaces += 1
            text = text.replace(" ", "_")
        tokens.append(text)
    report.lines += 1
    report.tokens += len(tokens)
    return " ".join(tokens)


def train_vectors(
    inputs: Sequence[Path | str],
    output: Path | str,
    *,
    config: Path | str = "configs/ner.cfg",
    dim: int = 300,
    epochs: int = 10,
    min_count: int = 2,
    minn: int = 3,
    maxn: int = 5,
    bucket: int = 50000,
    hash_count: int = 2,
    threads: int = 2,
    on_stage: Callable[[str], None] | None = None,
) -> VectorsReport:
    """Train floret vectors on the raw text of ``inputs`` and write a spaCy vectors folder to ``output``."""
    import floret
    import spacy
    from spacy.training.initialize import convert_vectors

    say = on_stage or (lambda text: None)
    report = VectorsReport()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="viner-vectors-") as work:
        corpus = Path(work) / "tokens.txt"
        say("tokenising the text as the config does")
        stats = CorpusStats()
        with corpus.open("w", encoding="utf-8") as out:
            for line in tokenised_lines(iter_texts(inputs, stats), config, report):
                out.write(line + "\n")
        report.duplicates = stats.duplicates
        if report.tokens == 0:
            raise VinerError(f"no text to train vectors on in {', '.join(map(str, inputs))}")
        say(f"training floret on {report.tokens:,} tokens ({report.lines:,} lines)")
        model = floret.train_unsupervised(
            str(corpus),
            model="cbow",
            mode="floret",
            dim=dim,
            epoch=epochs,
            minCount=min_count,
            minn=minn,
            maxn=maxn,
            bucket=bucket,
            hashCount=hash_count,
            thread=threads,
            verbose=0,
        )
        table = Path(work) / "vectors.floret"
        model.save_floret_vectors(str(table))
        say("converting to spaCy vectors")
        lang = spacy.util.load_config(config, interpolate=False)["nlp"]["lang"]
        nlp = spacy.blank(lang)
        convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret", name=f"viner_floret_{dim}d")
        report.vectors = nlp.vocab.vectors.shape[0]
        with atomic_path(output, is_dir=True) as tmp:
            nlp.to_disk(tmp)
    report.seconds = time.perf_counter() - start
    return report
