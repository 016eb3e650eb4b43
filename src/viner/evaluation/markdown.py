"""Markdown of reports, comparisons and the index (numbers read as in :mod:`.numbers`)."""

from __future__ import annotations

from collections.abc import Sequence

from .analysis import CATEGORY_TITLES, ERROR_CATEGORIES, NONE
from .comparison import Bootstrap, Comparison, Version
from .numbers import count, date, interval, pct, points, rate, short, size
from .report import Report, Scores
from .schemas import SCHEMA_TITLES, SCHEMAS

MAX_MD_ERRORS = 50


def table(header: Sequence[str], rows: Sequence[Sequence], aligns: str | None = None) -> str:
    aligns = aligns or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in aligns]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- evaluation report ---------------------------------------------------------------------


def report_markdown(report: Report) -> str:
    m, d, o = report.model, report.data, report.overall
    out = [f"# Evaluation report: {report.name or m.name}" + (" (external system)" if report.external else ""), ""]
    out.append(
        f"Strict F1 **{pct(o.f1)}** (95% interval {interval(report.ci())}), precision {pct(o.precision)}, "
        f"recall {pct(o.recall)} on {count(d.examples)} documents with {count(d.entities)} gold entities."
    )
    out += ["", "## Per label (strict: same boundaries and label)", ""]

    def row(label: str, v: Scores, ci) -> tuple:
        return (label, pct(v.precision), pct(v.recall), pct(v.f1), interval(ci), v.support, v.tp, v.fp, v.fn)

    rows = [row(label, v, report.ci(label)) for label, v in report.per_label.items()]
    rows.append(row("**ALL (micro)**", o, report.ci()))
    out.append(table(("label", "P %", "R %", "F1 %", "F1 95% interval", "support", "tp", "fp", "fn"), rows))
    out += _slices(report) + _schemas(report) + _confusion(report) + _errors(report) + _meta(report)
    return "\n".join(out) + "\n"


def _slices(report: Report) -> list[str]:
    s = report.slices
    if s is None:
        return []
    out = ["", "## Seen and unseen entities", ""]
    if s.seen is None or s.unseen is None:
        return [*out, f"No seen/unseen split: {s.reason}."]
    out += [
        f"An entity is *seen* when its text is the text of an entity in the training data `{s.train_path}` "
        f"({count(s.train_texts)} distinct texts; compared as: {s.match}), else *unseen*. "
        "A prediction counts in the slice of its own text (see evaluate/README.md).",
        "",
    ]
    rows = []
    for label in [*report.per_label, "overall"]:
        seen, unseen = s.seen.scores(label), s.unseen.scores(label)
        if seen is None or unseen is None:
            continue
        rows.append(
            (
                "**ALL (micro)**" if label == "overall" else label,
                seen.support,
                pct(seen.get("precision")),
                pct(seen.get("recall")),
                pct(seen.get("f1")),
                unseen.support,
                pct(unseen.get("precision")),
                pct(unseen.get("recall")),
                pct(unseen.get("f1")),
                interval(s.unseen.ci(label)),
            )
        )
    header = ("label", "seen", "P %", "R %", "F1 %", "unseen", "P %", "R %", "F1 %", "unseen F1 95% interval")
    out.append(table(header, rows))
    return out


def _schemas(report: Report) -> list[str]:
    if not report.schemas:
        return []
    out = ["", "## nervaluate schemas (overall)", ""]
    rows: list[tuple[object, ...]] = []
    for schema in SCHEMAS:
        s = report.schemas.overall[schema]
        rows.append(
            (
                SCHEMA_TITLES[schema],
                s.correct,
                s.incorrect,
                s.partial,
                s.missed,
                s.spurious,
                pct(s.precision),
                pct(s.recall),
                pct(s.f1),
            )
        )
    out.append(table(("schema", "correct", "incorrect", "partial", "missed", "spurious", "P %", "R %", "F1 %"), rows))
    out += ["", "F1 % per label and schema:", ""]
    rows = [(label, *(pct(per[s].f1) for s in SCHEMAS)) for label, per in report.schemas.per_label.items()]
    out.append(table(("label", *SCHEMAS), rows))
    return out


def _confusion(report: Report) -> list[str]:
    c = report.confusion
    if not c:
        return []
    out = [
        "",
        "## Confusion matrix",
        "",
        "Rows: gold label; columns: predicted label. `NONE` column: missed; `NONE` row: spurious.",
        "",
    ]
    rows = [
        (f"**{g}**", *("" if g == NONE and p == NONE else c.counts[i][j] for j, p in enumerate(c.columns)))
        for i, g in enumerate(c.rows)
    ]
    out.append(table(("gold \\ predicted", *c.columns), rows))
    return out


def _errors(report: Report) -> list[str]:
    errors = report.errors
    if not errors:
        return []
    categories = ("correct",) + ERROR_CATEGORIES
    out = ["", "## Errors", ""]
    rows = [(label, *(per.get(cat, 0) for cat in categories)) for label, per in errors.per_label.items()]
    rows.append(("**all**", *(errors.counts.get(cat, 0) for cat in categories)))
    out.append(table(("label", *(CATEGORY_TITLES[c] for c in categories)), rows))
    if errors.examples:
        kept = errors.max_examples_per_category
        sample = (
            f"; the report keeps the first {kept} of each category"
            if kept and errors.total > len(errors.examples)
            else ""
        )
        out += [
            "",
            f"First {min(MAX_MD_ERRORS, len(errors.examples))} of {errors.total:,} errors (the HTML report has an error browser{sample}):",
            "",
        ]
        rows = []
        for e in errors.examples[:MAX_MD_ERRORS]:
            g, p = e.gold, e.pred
            rows.append(
                (
                    CATEGORY_TITLES[e.category],
                    f"{g.text} ({g.label})" if g else "–",
                    f"{p.text} ({p.label})" if p else "–",
                    e.id,
                )
            )
        out.append(table(("error", "gold", "predicted", "unit"), rows, "llll"))
    return out


def _model_rows(report: Report) -> list[tuple[str, str]]:
    m, x = report.model, report.external
    if x is None:
        return [
            ("model", f"{m.name} {m.version} ({m.path})"),
            ("config sha256", m.config_sha256 or "–"),
            ("model size", size(m.size_bytes)),
        ]
    return [
        ("model", f"external: {m.name}, predictions {x.path} (sha256 {x.sha256})"),
        (
            "matching",
            f"{count(x.rows)} prediction rows: {count(x.by_id)} matched to gold units by unit id, "
            f"{count(x.by_text)} by text, {count(x.unused)} matching no gold unit (not scored)",
        ),
    ]


def speed_text(report: Report) -> str:
    """The speed of a report in words: measured, given (an external system's own figure) or none."""
    s = report.speed
    if s.seconds:
        return f"{rate(s.words_per_second)} words/s ({count(s.words)} words in {s.seconds:.2f} s)"
    if s.given and s.words_per_second:
        return f"{rate(s.words_per_second)} words/s, given (the system's own measurement)"
    return "not measured (an external system's predictions)" if report.external else "–"


def _meta(report: Report) -> list[str]:
    d, t = report.data, report.training_data
    meta = [
        *_model_rows(report),
        ("training data", f"{t.path} sha256 {t.sha256}" if t and t.sha256 else f"unknown: {t.reason if t else None}"),
        ("test data", f"{d.path} (sha256 {d.sha256})"),
        ("gold hash", d.gold_sha256 or "–"),
        ("speed", speed_text(report)),
        ("versions", ", ".join(f"{k} {v}" for k, v in report.versions.items())),
        ("date", date(report.date)),
    ]
    u = report.uncertainty
    if u:
        meta.append(("intervals", f"{int(u.level * 100)}% {u.method}, {u.resamples:,} resamples, seed {u.seed}"))
    return ["", "## Model and data", "", table(("", ""), meta, "ll")]


# ---- comparison ------------------------------------------------------------------------------


def _model_cell(m: Version) -> str:
    x = m.external
    if x:
        return f"external: predictions {x.path} (sha256 {short(x.sha256)})"
    return m.model.title


def _speed_cell(m: Version) -> str:
    if m.speed.words_per_second:
        return rate(m.speed.words_per_second) + (" (given)" if m.speed.given else "")
    return "not measured" if m.external else "–"


def comparison_markdown(comparison: Comparison) -> str:
    models, labels = comparison.models, comparison.labels
    out = [f"# Comparison of {len(models)} models (baseline: {comparison.baseline})", ""]
    for w in comparison.warnings:
        out.append(f"> **Warning:** {w}")
        out.append("")
    out += ["## Models", ""]
    rows: list[tuple[object, ...]] = [
        (
            m.name,
            _model_cell(m),
            date(m.date),
            m.data.path,
            short(m.data.tag),
            m.data.examples,
            pct(m.overall.f1),
            _speed_cell(m),
        )
        for m in models
    ]
    out.append(
        table(("report", "model", "date", "test data", "data hash", "docs", "F1 %", "words/s"), rows, "llllrrrr")
    )
    for m in models:
        if len(m.runs) > 1:
            out += [
                "",
                f"{m.name}: {len(m.runs)} runs pooled (their counts summed); F1 % of each: "
                + ", ".join(f"{r.name} {pct(r.f1)}" for r in m.runs),
            ]
    out += ["", "## F1 % per label, side by side", ""]
    rows = []
    for label in [*labels, "overall"]:
        cells = []
        for m in models:
            v = m.scores(label)
            cells.append(pct(v.f1) if v else "–")
        rows.append((label, *cells))
    out.append(table(("label", *(m.name for m in models)), rows))
    if any(m.unseen for m in models):
        out += ["", "## F1 % of the entities unseen in training, side by side", ""]
        rows = [
            (label, *(pct(v.get("f1")) if (v := m.unseen.scores(label) if m.unseen else None) else "–" for m in models))
            for label in [*labels, "overall"]
        ]
        out.append(table(("label", *(m.name for m in models)), rows))
    for c in comparison.comparisons:
        out += ["", f"## {c.b_name} vs {c.a_name}", ""]
        if not c.comparable:
            out.append(f"**Not comparable**: {c.reason}. No differences are reported.")
            continue
        b = c.bootstrap
        if not b:
            out.append(c.note or "")
            out.append("")
            rows = [(label, points((c.deltas or {}).get(label))) for label in [*labels, "overall"]]
            out.append(table(("label", "Δ F1 (points)"), rows))
            continue
        out.append(
            f"Paired bootstrap over {b.documents} documents, {b.resamples:,} resamples, seed {b.seed}; "
            f"{int(b.level * 100)}% intervals of F1({c.b_name}) − F1({c.a_name}) in F1 points."
        )
        out += ["", _delta_table(b, c.a_name, c.b_name, labels)]
        out += ["", f"### Entities unseen in training: {c.b_name} vs {c.a_name}", ""]
        if c.unseen:
            out.append(_delta_table(c.unseen, c.a_name, c.b_name, labels))
        else:
            out.append(f"{c.unseen_note}.")
    return "\n".join(out) + "\n"


def _delta_table(b: Bootstrap, a_name: str, b_name: str, labels: list[str]) -> str:
    rows = []
    for label in [*labels, "overall"]:
        r = b.row(label)
        rows.append(
            (
                label,
                r.support,
                pct(r.f1_a),
                pct(r.f1_b),
                points(r.delta),
                interval(r.ci, signed=True),
                pct(r.b_wins),
                r.verdict,
            )
        )
    header = ("label", "support", f"F1 {a_name}", f"F1 {b_name}", "Δ", "95% interval", f"{b_name} wins %", "verdict")
    return table(header, rows, "lrrrrrrl")


# ---- index -----------------------------------------------------------------------------------


def index_markdown(entries: dict) -> str:
    out = [
        "# Model evaluations",
        "",
        "Newest first. Regenerated by `viner evaluate` and `viner compare`.",
        "",
        "## Reports",
        "",
    ]
    labels = entries["labels"]
    rows = []
    for r in entries["reports"]:
        rows.append(
            (
                date(r["date"]),
                f"[{r['name']}]({r['md'] or r['json']})",
                r["model"],
                r["data"],
                short(r["data_hash"]),
                r["examples"],
                pct(r["f1"]),
                interval(r["f1_ci"]),
                pct(r.get("unseen_f1")),
                *(pct(r["per_label"].get(label)) if label in r["per_label"] else "–" for label in labels),
                rate(r["wps"]),
            )
        )
    out.append(
        table(
            (
                "date",
                "report",
                "model",
                "test data",
                "data hash",
                "docs",
                "F1 %",
                "95% interval",
                "unseen F1 %",
                *labels,
                "words/s",
            ),
            rows,
            "lllllrrrr" + "r" * len(labels) + "r",
        )
    )
    if entries["comparisons"]:
        out += ["", "## Comparisons", ""]
        rows = [
            (date(c["date"]), f"[{c['name']}]({c['md'] or c['html']})", ", ".join(c["models"]), c["summary"])
            for c in entries["comparisons"]
        ]
        out.append(table(("date", "comparison", "models", "overall"), rows, "llll"))
    return "\n".join(out) + "\n"
