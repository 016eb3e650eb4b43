"""Self-contained HTML pages of reports, comparisons and the index (templates in ``viner/templates``).

Pages carry their CSS, JavaScript and SVG charts inline (no CDN, no web fonts), so a
report opens offline and can be mailed as one file. Numbers read as in :mod:`.numbers`.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import __version__
from . import numbers
from .analysis import CATEGORY_TITLES, CONTEXT, ERROR_CATEGORIES, NONE, SHORT_TITLES
from .charts import f1_bars, forest
from .comparison import Comparison
from .report import Confusion, Entity, Report
from .schemas import SCHEMA_TITLES, SCHEMAS

MAX_HTML_ERRORS = 5000
FILTERS = ("pct", "points", "interval", "count", "size", "rate", "short", "date", "day")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("viner", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.ChainableUndefined,
    )
    env.filters.update({name: getattr(numbers, name) for name in FILTERS})
    env.filters["breakable"] = breakable
    env.globals.update(
        viner_version=__version__,
        SHORT_TITLES=SHORT_TITLES,
        SCHEMAS=SCHEMAS,
        SCHEMA_TITLES=SCHEMA_TITLES,
        CATEGORY_TITLES=CATEGORY_TITLES,
        ERROR_CATEGORIES=ERROR_CATEGORIES,
    )
    return env


def breakable(label: str) -> Markup:
    """A label that may wrap after its underscores in a narrow column header (SYMPTOM_AND_DISEASE)."""
    return Markup("_<wbr>").join(escape(part) for part in str(label).split("_"))


def _render(template: str, **context) -> str:
    return _env().get_template(template).render(**context)


def _rel(target: str | Path | None, base: Path | None) -> str | None:
    if not target:
        return None
    if base is None:
        return str(target)
    return Path(os.path.relpath(Path(target).resolve(), base.resolve())).as_posix()


# ---- evaluation report ---------------------------------------------------------------------


def snippet(text: str, gold: Entity | None, pred: Entity | None, offset: int = 0, length: int | None = None) -> Markup:
    """The error in its sentence: ``CONTEXT`` characters either side, gold underlined, prediction shaded.

    ``text`` may be a piece of the document starting at ``offset`` (the ``context`` a report
    keeps with each error), ``length`` the length of the whole document.
    """
    length = len(text) + offset if length is None else length
    spans = [s for s in (gold, pred) if s]
    start = max(0, min(s.start for s in spans) - CONTEXT, offset)
    end = min(length, max(s.end for s in spans) + CONTEXT, offset + len(text))
    if start > 0:  # do not cut a word: start after a space (unless that loses more than 20 characters)
        space = text.find(" ", start - offset, min(s.start for s in spans) - offset)
        start = space + 1 + offset if 0 <= space < start - offset + 20 else start
    if end < length:
        space = text.rfind(" ", max(s.end for s in spans) - offset, end - offset)
        end = space + offset if space > end - offset - 20 else end
    pieces: list[str] = ["…" if start > 0 else ""]
    run_cls: str | None = None
    run: list[str] = []

    def flush():
        if run:
            chunk = escape("".join(run))
            pieces.append(f'<span class="{run_cls}">{chunk}</span>' if run_cls else chunk)

    for i in range(start, end):
        cls = " ".join(c for c, s in (("g", gold), ("p", pred)) if s and s.start <= i < s.end) or None
        if cls != run_cls:
            flush()
            run_cls, run = cls, []
        run.append(text[i - offset])
    flush()
    pieces.append("…" if end < length else "")
    return Markup("".join(pieces))


def _confusion_cells(confusion: Confusion) -> list[list[dict]]:
    counts, exact = confusion.counts, confusion.exact or confusion.counts
    rows, cols = confusion.rows, confusion.columns
    peak_diag = max([counts[i][i] for i in range(len(rows) - 1)] + [1])
    peak_off = max(
        [counts[i][j] for i in range(len(rows)) for j in range(len(cols)) if i != j or rows[i] == NONE] + [1]
    )
    table = []
    for i, gold in enumerate(rows):
        line: list[dict] = []
        for j, pred in enumerate(cols):
            n = counts[i][j]
            diagonal = i == j and gold != NONE
            if gold == NONE and pred == NONE:
                line.append({"n": None, "cls": "void", "alpha": 0, "title": ""})
                continue
            alpha = (n / (peak_diag if diagonal else peak_off)) if n else 0
            kind = "diag" if diagonal else "off"
            if gold == NONE:
                title = f"{n} spurious {pred} prediction(s)"
            elif pred == NONE:
                title = f"{n} missed {gold} entit{'y' if n == 1 else 'ies'}"
            else:
                title = f"{n} gold {gold} predicted as {pred} ({exact[i][j]} with the same boundaries)"
            line.append({"n": n, "cls": kind, "alpha": round(0.08 + 0.82 * alpha, 3) if n else 0, "title": title})
        table.append(line)
    return table


def _error_examples(report: Report) -> list[dict]:
    """The errors to show (at most ``MAX_HTML_ERRORS``), each with its label and its snippet of text."""
    docs = report.documents or []  # reports before schema 3 kept the documents, not a context per error
    examples: list[dict] = []
    for e in report.errors.examples[:MAX_HTML_ERRORS] if report.errors else []:
        if e.context:
            text = snippet(e.context.text, e.gold, e.pred, e.context.start, e.context.length)
        else:
            whole = docs[e.doc]["text"] if e.doc < len(docs) else ""
            text = snippet(whole, e.gold, e.pred) if whole else Markup("")
        examples.append({"error": e, "label": e.label, "snippet": text})
    return examples


def report_html(report: Report) -> str:
    bars = [
        {"label": label, "bars": [{"series": "strict F1", "value": scores.f1, "ci": report.ci(label)}]}
        for label, scores in report.per_label.items()
    ]
    bars.append(
        {"label": "ALL (micro)", "bars": [{"series": "strict F1", "value": report.overall.f1, "ci": report.ci()}]}
    )
    context: dict = {
        "r": report,
        "labels": list(report.per_label),
        "chart": Markup(f1_bars(bars)),
        "errors": report.errors,
    }
    if report.confusion:
        context["confusion_cells"] = _confusion_cells(report.confusion)
    if report.errors:
        examples = _error_examples(report)
        context.update(
            error_examples=examples,
            errors_truncated=max(0, len(report.errors.examples) - MAX_HTML_ERRORS),
            errors_total=report.errors.total,
            errors_sampled=report.errors.total > len(examples),
            predictions_file=report.predictions.file if report.predictions else None,
            error_labels=sorted({x["label"] for x in examples}),
        )
    return _render("report.html.j2", **context)


# ---- comparison ------------------------------------------------------------------------------


def comparison_html(comparison: Comparison, base: Path | None = None) -> str:
    """The comparison page; links to the reports are relative to ``base`` (the page's folder)."""
    models, labels = comparison.models, comparison.labels
    rows = []
    for label in [*labels, "overall"]:
        bars = []
        for m in models:
            v = m.scores(label)
            if v is None:
                continue
            series = m.name if m.comparable else f"{m.name} (other test data)"
            bars.append({"series": series, "value": v.f1, "ci": m.ci(label)})
        rows.append({"label": "ALL (micro)" if label == "overall" else label, "bars": bars})
    forests = {}
    for c in comparison.comparisons:
        if c.bootstrap:
            frows = [{"label": label, "delta": d.delta, "ci": d.ci} for label, d in c.bootstrap.per_label.items()]
            frows.append({"label": "ALL (micro)", "delta": c.bootstrap.overall.delta, "ci": c.bootstrap.overall.ci})
            forests[c.b] = Markup(forest(frows, title=f"F1 difference {c.b_name} − {c.a_name}"))
    return _render(
        "compare.html.j2",
        c=comparison,
        models=models,
        labels=labels,
        links=[_rel(m.html, base) for m in models],
        run_links=[[_rel(r.html, base) for r in m.runs] for m in models],
        chart=Markup(f1_bars(rows, title="F1 per label and model (strict, 95% intervals)")),
        forests=forests,
    )


# ---- index -----------------------------------------------------------------------------------


def index_html(entries: dict) -> str:
    return _render("index.html.j2", **entries)
