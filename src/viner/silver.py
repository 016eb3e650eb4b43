"""Silver training data: a trained model (or several) labels raw text; what it is sure of becomes training docs.

Self-training without teaching "O" where the model doubts. For every unit of raw text the model's beam
(viner.confidence, the same decode as `viner predict --scores`) gives the best parse's entities and, for every span
any parse in the beam holds, the probability that the span carries its label. A silver doc then says:

- **entity** for a span of the best parse whose confidence is at least ``threshold``. With an ensemble (several
  models, e.g. seeds of one config) the span must be in *every* model's best parse and its *mean* confidence over
  the models at least ``threshold``: one dissenting model is enough to withhold it;
- **missing** (spaCy's missing NER annotation: ``token.ent_iob_ == ""``, ``-`` in BILUO; the trainer learns nothing
  about the token) for every token of a span that is not kept and that some model's beam gives at least ``doubt``
  probability, best-parse entities below the threshold included (a kept entity's own tokens stay the entity);
- **O** for every other token: no parse of any model with a noticeable probability puts an entity there.

So a name the model half-recognises is neither taught as an entity nor as "not an entity" (one it misses
outright, with no parse near ``doubt``, is still "O"). Units whose beam
uncertainty (the largest over the models) is above ``max_uncertainty`` are left out, and so is a unit with every
token missing. Units are tokenised by the model's own pipeline (its tokenizer, then the components before ``ner``:
``viner_words``); the components after ``ner`` are not applied (silver labels are the recognizer's own).

Raw text: ``.txt`` (a paragraph per line) and Doccano JSONL, read by :mod:`viner.raw_text` (normalised, duplicates
left out, optionally a ``sample`` drawn by a hash of each text; unreadable lines skipped and reported).

Output: a folder of shards (``shard-00000.spacy`` ...: DocBins of ``shard_size`` units read, each written
atomically, with ``shard-00000.json``, its counts, written after it), ``manifest.json`` (the models', inputs' and
options' identity) and ``summary.json``. Run again with the same models, inputs and options, the finished shards
are kept and the others labelled (an interrupted run resumes); anything else is refused (``force``: replaced). spaCy reads every
``.spacy`` file under a folder, so ``--paths.train`` can be a folder holding the gold DocBin and this one.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.tokens import Span as SpacySpan

from .confidence import BEAM_WIDTH, UnitConfidence, components_before, find_ner, run_components, score_docs
from .errors import VinerError
from .identity import file_sha256
from .io import atomic_path, find_files, write_json
from .pipeline import load_pipeline, vocab_zone
from .raw_text import SUFFIXES, RawTally, raw_units
from .record import Problem

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
FORMAT = 1
SHARD_FILE = re.compile(r"shard-\d{5,}\.(?:spacy|json)")
DOCBIN_ATTRS = ["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"]  # what silver says: the tokens and their entity annotation


@dataclass(frozen=True)
class SilverOptions:
    """What decides the silver docs (all recorded in the manifest: a resumed run must use the same)."""

    threshold: float = 0.9  # an entity is kept when its (mean) confidence is at least this
    doubt: float = 0.01  # a span not kept with at least this probability in some model's beam: its tokens missing
    max_uncertainty: float | None = None  # units more uncertain than this (the largest over the models) left out
    max_units: int | None = None  # stop after this many units read
    sample: float = 1.0  # the share of the (unique) units labelled, chosen by a hash of their text
    shard_size: int = 2000
    batch_size: int = 64
    beam_width: int = BEAM_WIDTH

    def check(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise VinerError(f"--threshold {self.threshold}: give a confidence above 0 and at most 1 (e.g. 0.9)")
        if not 0.0 < self.doubt <= self.threshold:
            raise VinerError(f"--doubt {self.doubt}: give a probability above 0 and at most --threshold")
        if self.max_uncertainty is not None and not 0.0 <= self.max_uncertainty <= 1.0:
            raise VinerError(f"--max-uncertainty {self.max_uncertainty}: give a value from 0 to 1")
        for name, value in (("--shard-size", self.shard_size), ("--batch-size", self.batch_size)):
            if value < 1:
                raise VinerError(f"{name} {value}: give at least 1")
        if not 0.0 < self.sample <= 1.0:
            raise VinerError(f"--sample {self.sample}: give a share above 0 and at most 1 (e.g. 0.1 for a tenth)")
        if self.max_units is not None and self.max_units < 1:
            raise VinerError(f"--max-units {self.max_units}: give at least 1")
        if self.beam_width < 2:
            raise VinerError(f"--beam-width {self.beam_width}: give at least 2")


@dataclass
class ShardCounts:
    """What one shard (or all of them) holds; written beside each shard as ``shard-NNNNN.json``."""

    units: int = 0  # units labelled
    units_kept: int = 0  # units written as silver docs
    units_uncertain: int = 0  # left out: uncertainty above --max-uncertainty
    units_all_missing: int = 0  # left out: every token missing
    tokens: int = 0  # tokens of the units kept
    tokens_missing: int = 0  # of those, marked missing
    entities_kept: Counter[str] = field(default_factory=Counter)  # per label
    entities_withheld: Counter[str] = field(
        default_factory=Counter
    )  # best-parse entities below the threshold, per label

    def add(self, other: ShardCounts) -> None:
        for name in ("units", "units_kept", "units_uncertain", "units_all_missing", "tokens", "tokens_missing"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.entities_kept.update(other.entities_kept)
        self.entities_withheld.update(other.entities_withheld)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["entities_kept"] = dict(sorted(self.entities_kept.items()))
        data["entities_withheld"] = dict(sorted(self.entities_withheld.items()))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShardCounts:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        counts = cls(**known)
        counts.entities_kept, counts.entities_withheld = (
            Counter(counts.entities_kept),
            Counter(counts.entities_withheld),
        )
        return counts


@dataclass
class SilverSummary:
    raw: RawTally = field(default_factory=RawTally)  # units read, left out, lines skipped
    shards: int = 0
    shards_resumed: int = 0  # found finished from an earlier run and kept
    counts: ShardCounts = field(default_factory=ShardCounts)
    units_labelled: int = 0  # by this run (the others were in resumed shards)
    seconds: float = 0.0  # this run's

    @property
    def units_read(self) -> int:
        return self.raw.units

    @property
    def problems(self) -> list[Problem]:
        return self.raw.problems

    @property
    def units_per_second(self) -> float:
        return self.units_labelled / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The counts of the output (the same whether a run was resumed or not)."""
        return {
            "units_read": self.raw.units,
            "duplicates": self.raw.duplicates,
            "not_sampled": self.raw.not_sampled,
            "lines_skipped": len(self.raw.problems),
            "problems": [str(p) for p in self.raw.problems],
            "shards": self.shards,
            **self.counts.as_dict(),
        }


def silver_doc(
    docs: Sequence[Doc], scores: Sequence[UnitConfidence], options: SilverOptions, counts: ShardCounts
) -> Doc | None:
    """One unit's silver doc from each model's doc (tokens) and beam scores, or None when it is left out."""
    doc = docs[0]
    counts.units += 1
    if options.max_uncertainty is not None and max(s.uncertainty for s in scores) > options.max_uncertainty:
        counts.units_uncertain += 1
        return None
    best = [{(start, end, label) for start, end, label, _ in s.entities} for s in scores]
    kept = [
        span
        for span in sorted(best[0].intersection(*best[1:]))
        if sum(s.confidence(*span) for s in scores) / len(scores) >= options.threshold
    ]
    doubtful = {span for s in scores for span, p in s.spans.items() if p >= options.doubt}
    doubtful.update(*best)
    counts.entities_withheld.update(label for start, end, label in best[0] if (start, end, label) not in kept)
    ents = [_span(doc, start, end, label) for start, end, label in kept]
    inside = {i for ent in ents for i in range(ent.start, ent.end)}
    missing = sorted({i for span in doubtful - set(kept) for i in range(*_tokens(doc, span[0], span[1]))} - inside)
    if len(missing) == len(doc):
        counts.units_all_missing += 1
        return None
    doc.set_ents(ents, missing=_runs(doc, missing), default="outside")
    counts.units_kept += 1
    counts.tokens += len(doc)
    counts.tokens_missing += len(missing)
    counts.entities_kept.update(ent.label_ for ent in ents)
    return doc


def _span(doc: Doc, start: int, end: int, label: str) -> SpacySpan:
    first, last = _tokens(doc, start, end)
    return SpacySpan(doc, first, last, label=label)


def _tokens(doc: Doc, start: int, end: int) -> tuple[int, int]:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:  # cannot happen: the beam's spans are made of the doc's tokens
        raise VinerError(f"span {start}-{end} is not on the tokens of {doc.text[:60]!r}")
    return span.start, span.end


def _runs(doc: Doc, tokens: Sequence[int]) -> list[SpacySpan]:
    """Consecutive token indices as spans."""
    runs: list[SpacySpan] = []
    for i in tokens:
        if runs and runs[-1].end == i:
            runs[-1] = doc[runs[-1].start : i + 1]
        else:
            runs.append(doc[i : i + 1])
    return runs


class Labeller:
    """The models of an ensemble, each with its beam, labelling batches of texts into silver docs."""

    def __init__(self, models: Sequence[Language], options: SilverOptions) -> None:
        self.models = list(models)
        self.options = options
        self.ners = [find_ner(nlp) for nlp in self.models]
        self.before = [components_before(nlp, ner) for nlp, ner in zip(self.models, self.ners)]
        first = self.models[0]
        for nlp in self.models[1:]:
            if nlp.lang != first.lang or nlp.config["nlp"]["tokenizer"] != first.config["nlp"]["tokenizer"]:
                raise VinerError("the models of an ensemble must tokenise alike (same language and [nlp.tokenizer])")

    def label(self, texts: Sequence[str], out: DocBin, counts: ShardCounts, done: int) -> None:
        """Add the silver docs of ``texts`` (those kept) to ``out``; ``done`` units came before (vocabulary zones)."""
        with contextlib.ExitStack() as stack:
            for nlp in self.models:
                stack.enter_context(vocab_zone(nlp, done))  # DocBin.add copies the strings it needs
            per_model = []
            for nlp, ner, before in zip(self.models, self.ners, self.before):
                docs = run_components(nlp, before, [nlp.make_doc(text) for text in texts])
                per_model.append((docs, score_docs(ner, docs, self.options.beam_width)))
            for i, text in enumerate(texts):
                docs = [docs[i] for docs, _ in per_model]
                if any([t.idx for t in d] != [t.idx for t in docs[0]] for d in docs[1:]):
                    raise VinerError(f"the models tokenise {text[:60]!r} differently: an ensemble must tokenise alike")
                doc = silver_doc(docs, [scores[i] for _, scores in per_model], self.options, counts)
                if doc is not None:
                    out.add(doc)


ProgressFn = Callable[[SilverSummary, int], None]  # the summary so far and the shards done


def manifest(models: Sequence[Path | str], files: Sequence[Path], options: SilverOptions) -> dict[str, Any]:
    """What the shards are a function of: the models' and inputs' content hashes and the options."""
    return {
        "format": FORMAT,
        "models": [{"model": str(m), "sha256": _model_sha256(m)} for m in models],
        "inputs": [{"path": str(p), "sha256": file_sha256(p)} for p in files],
        "options": asdict(options),
    }


def _model_sha256(model: Path | str) -> str:
    path = Path(model)
    if not path.is_dir():
        return f"package:{model}"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}\t{file_sha256(file)}\n".encode())
    return digest.hexdigest()


def check_output(output: Path, wanted: dict[str, Any], force: bool = False) -> None:
    """Refuse an output that is not this run's silver: a file, a foreign folder, silver of other models, inputs or
    options (with ``force``, such silver is removed instead: a foreign folder is refused all the same)."""
    if output.exists() and not output.is_dir():
        raise VinerError(f"{output}: is a file; give a folder for the silver shards")
    if not output.is_dir() or not any(output.iterdir()):
        return
    path = output / MANIFEST
    if not path.is_file():
        raise VinerError(f"{output}: a folder that is not viner silver output (no {MANIFEST}); give a new -o folder")
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise VinerError(f"{path}: cannot read ({err}); remove the folder to start afresh") from err
    changed = [what for what in ("models", "inputs", "options") if _identity(found, what) != _identity(wanted, what)]
    if not changed and found.get("format") == FORMAT:
        return
    if force:
        for old in output.iterdir():
            if old.name in (MANIFEST, SUMMARY) or SHARD_FILE.fullmatch(old.name):
                old.unlink()
        return
    before = _identity(found, "options") or {}
    options = [k for k in wanted["options"] if before.get(k) != wanted["options"][k]]
    detail = f" ({', '.join(options)})" if options else ""
    raise VinerError(
        f"{output}: its shards were made from other {', '.join(changed) or 'settings'}{detail}; "
        "run with the same models, raw text and options to resume, give a new -o folder, or --force to replace them"
    )


def _identity(manifest: dict[str, Any], what: str) -> Any:
    """What must match to resume: the options, and the content (not the paths) of the models and inputs."""
    value = manifest.get(what)
    if what == "options" and isinstance(value, dict):
        return {**asdict(SilverOptions()), **value}  # an option newer than the manifest had its default
    if not isinstance(value, list):
        return value
    return [item.get("sha256") if isinstance(item, dict) else item for item in value]


def shard_name(index: int) -> str:
    return f"shard-{index:05d}"


def make_silver(
    models: Sequence[Path | str],
    inputs: Sequence[Path | str],
    output: Path | str,
    options: SilverOptions = SilverOptions(),
    progress: ProgressFn | None = None,
    load: Callable[[Path | str], Language] = load_pipeline,
    force: bool = False,
) -> SilverSummary:
    """Label the raw text of ``inputs`` with ``models`` into silver shards in ``output`` (see the module docstring)."""
    options.check()
    if not models:
        raise VinerError("no model given: name a trained pipeline folder (or several, comma-separated)")
    output = Path(output)
    files = find_files(inputs, SUFFIXES)
    wanted = manifest(models, files, options)
    check_output(output, wanted, force)
    summary = SilverSummary()
    labeller: Labeller | None = None
    started = time.perf_counter()
    units = raw_units(files, summary.raw, limit=options.max_units, sample=options.sample)
    for index, chunk in enumerate(iter(lambda: _take(units, options.shard_size), [])):
        counts_path, docs_path = output / f"{shard_name(index)}.json", output / f"{shard_name(index)}.spacy"
        if counts_path.is_file() and docs_path.is_file():
            counts = ShardCounts.from_dict(json.loads(counts_path.read_text(encoding="utf-8")))
            summary.shards_resumed += 1
        else:
            if labeller is None:
                labeller = Labeller([load(m) for m in models], options)
                write_json(wanted, output / MANIFEST)
            counts = ShardCounts()
            shard = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
            for start in range(0, len(chunk), options.batch_size):
                batch = chunk[start : start + options.batch_size]
                labeller.label(batch, shard, counts, summary.counts.units + counts.units)
                summary.units_labelled += len(batch)
                summary.seconds = time.perf_counter() - started
                if progress is not None:
                    progress(summary, index)
            with atomic_path(docs_path) as tmp:
                shard.to_disk(tmp)
            write_json(counts.as_dict(), counts_path)  # last: the shard is finished
        summary.shards += 1
        summary.counts.add(counts)
        summary.seconds = time.perf_counter() - started
        if progress is not None:
            progress(summary, index + 1)
    if summary.units_read == 0:
        raise VinerError(f"{', '.join(map(str, files))}: no text to label; nothing was written")
    write_json(summary.as_dict(), output / SUMMARY)
    return summary


def _take(texts: Iterator[str], n: int) -> list[str]:
    return list(itertools.islice(texts, n))
