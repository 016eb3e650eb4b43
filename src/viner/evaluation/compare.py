"""Compare evaluation reports of model versions: side by side, deltas, paired bootstrap intervals.

The first report is the baseline (A); every other report (B) is compared with it. A model
version may also be given as the reports of several runs (seeds): its runs are pooled (their
strict counts summed per document), so versions are compared rather than runs. Two
reports are comparable only when they were measured on the same test data: the same
gold content hash (ids, texts and spans; or, for reports without it, the same file hash).
Reports on other data are listed with their own figures and flagged; no delta is computed
for them. The bootstrap pairs documents by unit id, so it needs the per-document
predictions that ``viner evaluate`` writes beside every report (``NAME.predictions.jsonl``;
reports of viner before schema 3 hold them in the JSON as ``documents``). Both files are
streamed; what is kept is one compact row of counts per document and a hash of its text
and gold, never the texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import VinerError
from ..record import Span
from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, metric_intervals, paired_bootstrap
from .comparison import COMPARISON_KIND, Bootstrap, Comparison, Pair, Run, Version
from .metrics import Counts, DocumentCounter
from .predictions import documents
from .report import Report, Scores, Speed, Uncertainty, load_report, report_paths


def same_test_data(a: Report, b: Report) -> tuple[bool, str]:
    """Whether two reports were measured on the same test data, and a sentence saying why (not)."""
    da, db = a.data, b.data
    ga, gb = da.gold_sha256, db.gold_sha256
    fa, fb = da.sha256, db.sha256
    if ga and gb:
        if ga == gb:
            extra = "" if fa == fb else " (different files, identical gold texts and spans)"
            return True, f"same test data: gold hash {ga[:12]}{extra}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} "
            f"({da.examples} examples, gold hash {ga[:12]}), {b.name} on {db.path} "
            f"({db.examples} examples, gold hash {gb[:12]})"
        )
    if fa and fb:
        if fa == fb:
            return True, f"same test data file: sha256 {fa[:12]}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} (sha256 {fa[:12]}), "
            f"{b.name} on {db.path} (sha256 {fb[:12]})"
        )
    return False, "cannot tell whether the test data are the same: a report has no test-data hash"


def _spans(rows) -> list[Span]:
    return sorted(Span(int(s), int(e), str(label)) for s, e, label in rows)


def _document_key(doc: dict) -> bytes:
    """A hash of a document's text and gold spans: enough to check that two reports saw the same document."""
    return hashlib.blake2b(
        json.dumps([doc["text"], [s.as_list() for s in _spans(doc["gold"])]], ensure_ascii=False).encode("utf-8"),
        digest_size=16,
    ).digest()


class Pairing:
    """The baseline's documents indexed by unit id once; any report's strict counts then come in its order.

    :meth:`of` builds it (``None`` when the baseline has no per-document predictions); ``base``
    holds the baseline's own counts; :meth:`counts` streams another report's documents and returns
    its counts as an array of shape ``(documents, labels, 3)`` in the baseline's document order,
    or ``None`` when it has no per-document predictions. Raises :class:`VinerError` when the
    documents do not pair up (an id missing from one report, or the same id with another text or
    other gold spans). Only the counts and one hash per document are kept, never the texts.
    """

    def __init__(self, a: Report, labels: Sequence[str], rows: dict, base):
        self.a, self.labels, self.rows, self.base = a, list(labels), rows, base

    @classmethod
    def of(cls, a: Report, labels: Sequence[str], path_a: Path | str | None = None) -> Pairing | None:
        docs_a = documents(a, path_a)
        if docs_a is None:
            return None
        counter = DocumentCounter(labels, fixed=True)
        rows: dict[tuple[str, int], tuple[int, bytes]] = {}
        seen: Counter = Counter()
        for doc in docs_a:
            key = (doc["id"], seen[doc["id"]])
            seen[doc["id"]] += 1
            rows[key] = (counter.documents, _document_key(doc))
            counter.add(_spans(doc["gold"]), _spans(doc["pred"]))
        return cls(a, labels, rows, counter.array(counter.documents))

    def counts(self, b: Report, path_b: Path | str | None = None):
        docs_b = documents(b, path_b)
        if docs_b is None:
            return None
        counter = DocumentCounter(self.labels, fixed=True)
        seen: Counter = Counter()
        paired = unpaired = 0
        for doc in docs_b:
            key = (doc["id"], seen[doc["id"]])
            seen[doc["id"]] += 1
            if key not in self.rows:
                unpaired += 1
                continue
            row, digest = self.rows[key]
            if digest != _document_key(doc):
                raise VinerError(f"{self.a.name} and {b.name}: document {key[0]} differs in text or gold spans")
            counter.add(_spans(doc["gold"]), _spans(doc["pred"]), row=row)
            paired += 1
        unpaired += len(self.rows) - paired
        if unpaired:
            raise VinerError(
                f"{self.a.name} and {b.name}: the documents do not pair up by unit id ({unpaired} unpaired)"
            )
        return counter.array(len(self.rows))


def _labels(reports: Sequence[Report]) -> list[str]:
    order: dict[str, None] = {}
    for report in reports:
        for label in [*report.labels, *report.per_label]:
            order.setdefault(label, None)
    return list(order)


def _made_unique(names: Sequence[str]) -> list[str]:
    """The names with " #2", " #3"... after a repeated one."""
    out: list[str] = []
    seen: Counter[str] = Counter()
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def _unique_names(reports: Sequence[Report], paths: Sequence[Path | str | None]) -> list[str]:
    return _made_unique(
        [str(r.name or (Path(p).stem if p else None) or r.model.name or "model") for r, p in zip(reports, paths)]
    )


def _pooled_scores(runs: Sequence[Report], labels: Sequence[str]) -> tuple[Scores, dict[str, Scores]]:
    """Overall and per-label scores of the runs' summed strict counts (support: one run's, the gold is the same)."""

    def pooled(scores: Sequence[Scores]) -> Scores:
        total = Counts.total(Counts(s.tp, s.fp, s.fn) for s in scores)
        return replace(Scores.from_counts(total), support=scores[0].support)

    per_label = {
        label: pooled([r.per_label[label] for r in runs]) for label in labels if all(label in r.per_label for r in runs)
    }
    return pooled([r.overall for r in runs]), per_label


def _version(name: str, runs: Sequence[Report], paths: Sequence[Path | str | None], labels: Sequence[str]) -> Version:
    first, path = runs[0], paths[0]
    if len(runs) == 1:
        overall, per_label = replace(first.overall), {label: replace(v) for label, v in first.per_label.items()}
        speed = replace(first.speed)
    else:
        overall, per_label = _pooled_scores(runs, labels)
        rates = [r.speed.words_per_second for r in runs if r.speed.words_per_second]
        speed = Speed(
            words_per_second=sum(rates) / len(rates) if rates else None, given=any(r.speed.given for r in runs)
        )
    single = path if len(runs) == 1 else None  # a pooled version has no one report: its runs link to theirs
    return Version(
        name=name,
        report=str(single) if single else None,
        html=str(report_paths(single)["html"]) if single else None,
        model=replace(first.model),
        external=replace(first.external) if first.external else None,
        data=replace(first.data),
        training_data=replace(first.training_data) if first.training_data else None,
        date=first.date,
        overall=overall,
        per_label=per_label,
        uncertainty=replace(first.uncertainty) if first.uncertainty and len(runs) == 1 else None,
        speed=speed,
        has_documents=all(r.has_documents for r in runs),
        runs=[
            Run(
                name=run_name,
                report=str(p) if p else None,
                html=str(report_paths(p)["html"]) if p else None,
                f1=r.overall.f1,
            )
            for run_name, r, p in zip(_unique_names(runs, paths), runs, paths)
        ],
    )


def _summed_counts(pairing: Pairing, runs: Sequence[Report], paths: Sequence):
    """The runs' strict counts per document (in the baseline's document order), summed over the runs."""
    total = None
    for run, path in zip(runs, paths):
        counts = pairing.base if run is pairing.a else pairing.counts(run, path)
        if counts is None:
            return None
        total = counts if total is None else total + counts
    return total


def _version_names(groups: Sequence[Sequence[Report]], path_groups: Sequence[Sequence]) -> list[str]:
    """A version's name: its report's name, or its runs' names joined by " + " (made unique)."""
    return _made_unique([" + ".join(_unique_names(runs, paths)) for runs, paths in zip(groups, path_groups)])


def _deltas(a: Version, b: Version, labels: Sequence[str]) -> dict[str, float | None]:
    deltas: dict[str, float | None] = {}
    for label in labels:
        sa, sb = a.per_label.get(label), b.per_label.get(label)
        deltas[label] = sb.f1 - sa.f1 if sa and sb else None
    deltas["overall"] = b.overall.f1 - a.overall.f1
    return deltas


def compare(
    versions: Sequence[Report | Sequence[Report]],
    paths: Sequence[Path | str | Sequence[Path | str | None] | None] | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Comparison:
    """Compare every model version with the first one (the baseline).

    A version is one report, or the reports of several runs of it (seeds: a sequence of reports, measured on the
    same test data). Runs are pooled: a version's scores are those of its runs' summed strict counts, and the
    bootstrap resamples documents with each document's counts summed over the runs, which compares versions
    rather than single runs when the seed moves F1 by a point or more.
    """
    groups = [[v] if isinstance(v, Report) else list(v) for v in versions]
    if len(groups) < 2:
        raise VinerError("give at least two reports to compare")
    if not all(groups):
        raise VinerError("a model version has no report")
    if paths is None:
        path_groups: list[list] = [[None] * len(runs) for runs in groups]
    else:
        path_groups = [list(p) if isinstance(p, (list, tuple)) else [p] for p in paths]
    names = _version_names(groups, path_groups)
    for name, runs in zip(names, groups):
        for run in runs[1:]:
            same, reason = same_test_data(runs[0], run)
            if not same:
                raise VinerError(f"{name}: the runs of one version must be measured on the same test data ({reason})")
    labels = _labels([r for runs in groups for r in runs])
    base = groups[0][0]
    models = [_version(name, runs, p, labels) for name, runs, p in zip(names, groups, path_groups)]
    pairs: list[Pair] = []
    warnings: list[str] = []
    pairing: Pairing | None = None
    base_counts = None
    for i, (runs, paths_i) in enumerate(zip(groups[1:], path_groups[1:]), start=1):
        comparable, reason = same_test_data(base, runs[0])
        models[i].comparable = comparable
        pair = Pair(a=0, b=i, a_name=names[0], b_name=names[i], comparable=comparable, reason=reason)
        pairs.append(pair)
        if not comparable:
            warnings.append(f"{names[i]} is NOT comparable with {names[0]}: {reason}; no deltas are shown for it")
            continue
        if pairing is None:  # the baseline's documents are read and indexed once, for every comparison
            pairing = Pairing.of(base, labels, path_groups[0][0])
            base_counts = _summed_counts(pairing, groups[0], path_groups[0]) if pairing else None
        counts = _summed_counts(pairing, runs, paths_i) if pairing and base_counts is not None else None
        if counts is None or base_counts is None:
            missing = names[0] if not models[0].has_documents else names[i]
            pair.note = f"{missing} has no per-document predictions (made by an older viner): deltas without intervals"
            warnings.append(pair.note)
        else:
            raw = paired_bootstrap(
                base_counts, counts, labels, resamples=resamples, seed=seed, level=level, names=(names[0], names[i])
            )
            pair.bootstrap = Bootstrap.from_dict(raw, names[0], names[i])
            for row in [pair.bootstrap.overall, *pair.bootstrap.per_label.values()]:
                row.support //= len(groups[0])  # the baseline's gold, counted once per run
            for model, runs_j, counts_j in ((models[0], groups[0], base_counts), (models[i], runs, counts)):
                if len(runs_j) > 1 and model.uncertainty is None:  # the pooled runs' own intervals
                    model.uncertainty = Uncertainty(
                        **metric_intervals(counts_j, labels, resamples=resamples, seed=seed, level=level)
                    )
        pair.deltas = _deltas(models[0], models[i], labels)
    return Comparison(
        kind=COMPARISON_KIND,
        date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        baseline=names[0],
        labels=labels,
        resamples=resamples,
        seed=seed,
        level=level,
        models=models,
        comparisons=pairs,
        warnings=warnings,
    )


def compare_files(report_files: Sequence[Path | str | Sequence[Path | str]], **kwargs) -> Comparison:
    """:func:`compare` of report files: each item one report, or a sequence of reports of one version's runs."""
    path_groups = [[p] if isinstance(p, (str, Path)) else list(p) for p in report_files]
    return compare([[load_report(p) for p in paths] for paths in path_groups], path_groups, **kwargs)
