"""Compare evaluation reports of model versions: side by side, deltas, paired bootstrap intervals.

The first report is the baseline (A); every other report (B) is compared with it. A model
version may also be given as the reports of several runs (seeds): its runs are pooled (their
strict counts summed per document), so versions are compared rather than runs. Two
reports are comparable only when they were measured on the same test data: the same
gold content hash (ids, texts and spans; or, for reports without it, the same file hash).
Reports on other data are listed with their own figures and flagged; no delta is computed
for them. The bootstrap pairs documents by unit id (:mod:`.pairing`), so it needs the per-document
predictions that ``viner evaluate`` writes beside every report (``NAME.predictions.jsonl``;
reports of viner before schema 3 hold them in the JSON as ``documents``). Both files are
streamed; what is kept is one compact row of counts per document and a hash of its text
and gold, never the texts. The entities the models have not seen in their training data
(:mod:`.slices`) are compared the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import VinerError
from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, metric_intervals, paired_bootstrap
from .comparison import COMPARISON_KIND, Bootstrap, Comparison, Pair, Run, Version
from .metrics import Counts
from .pairing import Pairing, same_test_data
from .report import Report, Scores, Speed, Uncertainty, load_report, report_paths
from .seen import Lexicon, load_lexicon
from .slices import slice_scores


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


def _summed_counts(pairing: Pairing, runs: Sequence[Report], paths: Sequence, lexicons: _Lexicons):
    """The runs' strict counts per document (in the baseline's document order) and their unseen entities' counts
    (``None`` if a run cannot tell them), summed over the runs; ``None`` if a run has no per-document predictions."""
    total, unseen = None, None
    for i, (run, path) in enumerate(zip(runs, paths)):
        counts = (
            (pairing.base, pairing.base_unseen) if run is pairing.a else pairing.counts(run, path, lexicons.of(run))
        )
        if counts is None:
            return None
        total = counts[0] if total is None else total + counts[0]
        if counts[1] is None or (i and unseen is None):
            unseen = None
        else:
            unseen = counts[1] if unseen is None else unseen + counts[1]
    return total, unseen


class _Lexicons:
    """The training data's entity texts for reports whose predictions do not say which entities are seen:
    ``train`` (given by the user) for all, else each report's own training data if it is still there unchanged."""

    def __init__(self, train: Path | str | None) -> None:
        self.train = load_lexicon(train) if train is not None else None
        self.cache: dict[str, Lexicon | None] = {}

    def of(self, run: Report) -> Lexicon | None:
        if run.slices is not None and run.slices.seen is not None:
            return None  # its predictions carry the seen flags
        if self.train is not None:
            return self.train
        t = run.training_data
        if not (t and t.path and t.sha256 and Path(t.path).exists()):
            return None
        if t.path not in self.cache:
            try:
                lexicon: Lexicon | None = load_lexicon(t.path)
            except VinerError:
                lexicon = None
            self.cache[t.path] = lexicon if lexicon and lexicon.sha256 == t.sha256 else None
        return self.cache[t.path]


def _no_unseen_reason(name: str, runs: Sequence[Report]) -> str:
    for run in runs:
        if run.slices is None or run.slices.seen is None:
            why = (run.slices.reason if run.slices else None) or (
                run.training_data.reason if run.training_data and run.training_data.reason else None
            )
            why = why or "its report was made before viner split seen and unseen entities"
            return f"{name} ({run.name}): {why}"
    return f"{name}: its training data could not be read"


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


def _bootstrap(counts_a, counts_b, labels, name_a: str, name_b: str, runs_a: int, options: dict) -> Bootstrap:
    raw = paired_bootstrap(counts_a, counts_b, labels, names=(name_a, name_b), **options)
    out = Bootstrap.from_dict(raw, name_a, name_b)
    for row in [out.overall, *out.per_label.values()]:
        row.support //= runs_a  # the baseline's gold, counted once per run
    return out


def compare(
    versions: Sequence[Report | Sequence[Report]],
    paths: Sequence[Path | str | Sequence[Path | str | None] | None] | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    train: Path | str | None = None,
) -> Comparison:
    """Compare every model version with the first one (the baseline).

    A version is one report, or the reports of several runs of it (seeds: a sequence of reports, measured on the
    same test data). Runs are pooled: a version's scores are those of its runs' summed strict counts, and the
    bootstrap resamples documents with each document's counts summed over the runs, which compares versions
    rather than single runs when the seed moves F1 by a point or more.

    The unseen entities (see :mod:`.slices`) are compared the same way, from the seen flags of the
    reports' predictions, else from ``train`` (the training data of reports that lack them).
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
    lexicons = _Lexicons(train)
    if lexicons.train is not None:
        for name, runs in zip(names, groups):
            for run in runs:
                t = run.training_data
                if t and t.sha256 and t.sha256 != lexicons.train.sha256 and lexicons.of(run) is not None:
                    warnings.append(
                        f"{name} ({run.name}) was trained on {t.path} (sha256 {t.sha256[:12]}), not on {train} "
                        f"(sha256 {lexicons.train.sha256[:12]}): its unseen entities are counted against {train}"
                    )
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
            pairing = Pairing.of(base, labels, path_groups[0][0], lexicons.of(base))
            base_counts = _summed_counts(pairing, groups[0], path_groups[0], lexicons) if pairing else None
            if base_counts is not None and base_counts[1] is not None:
                models[0].unseen = slice_scores(base_counts[1], labels, len(groups[0]))
        counts = _summed_counts(pairing, runs, paths_i, lexicons) if pairing and base_counts is not None else None
        if counts is None or base_counts is None:
            missing = names[0] if not models[0].has_documents else names[i]
            pair.note = f"{missing} has no per-document predictions (made by an older viner): deltas without intervals"
            warnings.append(pair.note)
        else:
            options = {"resamples": resamples, "seed": seed, "level": level}
            pair.bootstrap = _bootstrap(base_counts[0], counts[0], labels, names[0], names[i], len(groups[0]), options)
            if counts[1] is not None:
                models[i].unseen = slice_scores(counts[1], labels, len(runs))
            if base_counts[1] is not None and counts[1] is not None:
                pair.unseen = _bootstrap(base_counts[1], counts[1], labels, names[0], names[i], len(groups[0]), options)
            else:
                why = (
                    _no_unseen_reason(names[0], groups[0])
                    if base_counts[1] is None
                    else _no_unseen_reason(names[i], runs)
                )
                pair.unseen_note = f"no unseen-entity comparison: {why}"
            for model, runs_j, counts_j in ((models[0], groups[0], base_counts[0]), (models[i], runs, counts[0])):
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
