"""Markdown and self-contained HTML for evaluation reports, comparisons and the index.

HTML pages carry their CSS, JavaScript and SVG charts inline (no CDN, no web fonts), so a
report opens offline and can be mailed as one file. Templates live in ``viner/templates``.
Numbers are formatted by the functions below, in both formats: percentages with one
decimal (``83.3``), differences in F1 points with a sign (``+2.5``).
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Sequence

from markupsafe import Markup

from .analysis import CATEGORY_TITLES, CONTEXT, ERROR_CATEGORIES, NONE, SHORT_TITLES
from .charts import f1_bars, forest
from .schemas import SCHEMA_TITLES, SCHEMAS

MAX_HTML_ERRORS = 5000
MAX_MD_ERRORS = 50


# ---- number formats (shared by Markdown, HTML and the tests) ---------------------------------

def _missing(x) -> bool:
    import jinja2

    return x is None or isinstance(x, jinja2.Undefined)


def pct(x: float | None) -> str:
    return "–" if _missing(x) else f"{100 * x:.1f}"


def points(x: float | None) -> str:
    return "–" if _missing(x) else f"{100 * x:+.1f}"


def interval(ci: Sequence[float] | None, signed: bool = False) -> str:
    if _missing(ci) or not ci:
        return "–"
    f = points if signed else pct
    return f"{f(ci[0])} to {f(ci[1])}"


def count(x) -> str:
    return "–" if _missing(x) else f"{x:,}"


def size(n: int | None) -> str:
    if _missing(n):
        return "–"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def rate(x: float | None) -> str:
    return "–" if _missing(x) or not x else f"{x:,.0f}"


def short(h: str | None, n: int = 12) -> str:
    return h[:n] if not _missing(h) and h else "–"


def day(text: str | None) -> str:
    """Date and time to the minute, for tables."""
    return date(text)[:16]


def date(text: str | None) -> str:
    return ("–" if _missing(text) or not text else text).replace("T", " ").replace("+00:00", " UTC")


# ---- Jinja environment ---------------------------------------------------------------------

def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("viner", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.ChainableUndefined,
    )
    env.filters.update(pct=pct, points=points, interval=interval, count=count, size=size, rate=rate, short=short, date=date, day=day)
    env.globals.update(viner_version=_viner_version(), SHORT_TITLES=SHORT_TITLES, SCHEMAS=SCHEMAS, SCHEMA_TITLES=SCHEMA_TITLES, CATEGORY_TITLES=CATEGORY_TITLES, ERROR_CATEGORIES=ERROR_CATEGORIES)
    return env


def _viner_version() -> str:
    from .. import __version__

    return __version__


def _render(template: str, **context) -> str:
    return _env().get_template(template).render(**context)


def _rel(target: str | Path | None, base: Path | None) -> str | None:
    if not target:
        return None
    if base is None:
        return str(target)
    return Path(os.path.relpath(Path(target).resolve(), base.resolve())).as_posix()


# ---- evaluation report ---------------------------------------------------------------------

def _ci(report: dict, label: str | None, metric: str = "f1"):
    u = report.get("uncertainty") or {}
    block = u.get("overall") if label is None else (u.get("per_label") or {}).get(label)
    return (block or {}).get(metric)


def _snippet(text: str, gold: dict | None, pred: dict | None, offset: int = 0, length: int | None = None) -> Markup:
    """The error in its sentence: ``CONTEXT`` characters either side, gold underlined, prediction shaded.

    ``text`` may be a piece of the document starting at ``offset`` (the ``context`` a report
    keeps with each error), ``length`` the length of the whole document.
    """
    length = len(text) + offset if length is None else length
    spans = [s for s in (gold, pred) if s]
    start = max(0, min(s["start"] for s in spans) - CONTEXT, offset)
    end = min(length, max(s["end"] for s in spans) + CONTEXT, offset + len(text))
    if start > 0:  # do not cut a word: start after a space (unless that loses more than 20 characters)
        space = text.find(" ", start - offset, min(s["start"] for s in spans) - offset)
        start = space + 1 + offset if 0 <= space < start - offset + 20 else start
    if end < length:
        space = text.rfind(" ", max(s["end"] for s in spans) - offset, end - offset)
        end = space + offset if space > end - offset - 20 else end
    pieces: list[str] = ["…" if start > 0 else ""]
    run_cls, run = None, []

    def flush():
        if run:
            chunk = escape("".join(run))
            pieces.append(f'<span class="{run_cls}">{chunk}</span>' if run_cls else chunk)

    for i in range(start, end):
        cls = " ".join(c for c, s in (("g", gold), ("p", pred)) if s and s["start"] <= i < s["end"]) or None
        if cls != run_cls:
            flush()
            run_cls, run = cls, []
        run.append(text[i - offset])
    flush()
    pieces.append("…" if end < length else "")
    return Markup("".join(pieces))


def _confusion_cells(confusion: dict) -> list[list[dict]]:
    counts, exact = confusion["counts"], confusion.get("exact") or confusion["counts"]
    rows, cols = confusion["rows"], confusion["columns"]
    peak_diag = max([counts[i][i] for i in range(len(rows) - 1)] + [1])
    peak_off = max([counts[i][j] for i in range(len(rows)) for j in range(len(cols)) if i != j or rows[i] == NONE] + [1])
    table = []
    for i, gold in enumerate(rows):
        line = []
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


def _report_context(report: dict) -> dict:
    labels = list(report["per_label"])
    bars = [
        {"label": label, "bars": [{"series": "strict F1", "value": report["per_label"][label]["f1"], "ci": _ci(report, label)}]}
        for label in labels
    ]
    bars.append({"label": "ALL (micro)", "bars": [{"series": "strict F1", "value": report["overall"]["f1"], "ci": _ci(report, None)}]})
    errors = report.get("errors") or {"examples": [], "counts": {}, "per_label": {}}
    docs = report.get("documents") or []  # reports before schema 3 kept the documents, not a context per error
    examples = []
    for e in errors.get("examples", [])[:MAX_HTML_ERRORS]:
        label = (e.get("gold") or e.get("pred"))["label"]
        context = e.get("context")
        if context:
            snippet = _snippet(context["text"], e.get("gold"), e.get("pred"), context["start"], context["length"])
        else:
            text = docs[e["doc"]]["text"] if e["doc"] < len(docs) else ""
            snippet = _snippet(text, e.get("gold"), e.get("pred")) if text else ""
        examples.append({**e, "label": label, "snippet": snippet})
    total = _error_total(errors)
    return {
        "r": report,
        "labels": labels,
        "ci": lambda label=None, metric="f1": _ci(report, label, metric),
        "chart": Markup(f1_bars(bars)),
        "confusion_cells": _confusion_cells(report["confusion"]) if report.get("confusion") else None,
        "errors": errors,
        "error_examples": examples,
        "errors_truncated": max(0, len(errors.get("examples", [])) - MAX_HTML_ERRORS),
        "errors_total": total,
        "errors_sampled": total > len(examples),
        "predictions_file": (report.get("predictions") or {}).get("file"),
        "error_labels": sorted({e["label"] for e in examples}),
    }


def _error_total(errors: dict) -> int:
    """Errors in all (every category but correct): the report keeps only the first of each category."""
    if errors.get("examples_total") is not None:
        return errors["examples_total"]
    counts = errors.get("counts") or {}
    return sum(counts.get(c, 0) for c in ERROR_CATEGORIES) or len(errors.get("examples", []))


def report_html(report: dict) -> str:
    return _render("report.html.j2", **_report_context(report))


def _md_table(header: Sequence[str], rows: Sequence[Sequence], aligns: str | None = None) -> str:
    aligns = aligns or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in aligns]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(report: dict) -> str:
    m, d, o = report["model"], report["data"], report["overall"]
    out = [f"# Evaluation report: {report.get('name', m.get('name'))}", ""]
    out.append(
        f"Strict F1 **{pct(o['f1'])}** (95% interval {interval(_ci(report, None))}), precision {pct(o['precision'])}, "
        f"recall {pct(o['recall'])} on {count(d.get('examples'))} documents with {count(d.get('entities'))} gold entities."
    )
    out += ["", "## Per label (strict: same boundaries and label)", ""]
    rows = [
        (label, pct(v["precision"]), pct(v["recall"]), pct(v["f1"]), interval(_ci(report, label)), v["support"], v["tp"], v["fp"], v["fn"])
        for label, v in report["per_label"].items()
    ]
    rows.append(("**ALL (micro)**", pct(o["precision"]), pct(o["recall"]), pct(o["f1"]), interval(_ci(report, None)), o["support"], o["tp"], o["fp"], o["fn"]))
    out.append(_md_table(("label", "P %", "R %", "F1 %", "F1 95% interval", "support", "tp", "fp", "fn"), rows))
    if report.get("schemas"):
        out += ["", "## nervaluate schemas (overall)", ""]
        rows = []
        for schema in SCHEMAS:
            s = report["schemas"]["overall"][schema]
            rows.append((SCHEMA_TITLES[schema], s["correct"], s["incorrect"], s["partial"], s["missed"], s["spurious"], pct(s["precision"]), pct(s["recall"]), pct(s["f1"])))
        out.append(_md_table(("schema", "correct", "incorrect", "partial", "missed", "spurious", "P %", "R %", "F1 %"), rows))
        out += ["", "F1 % per label and schema:", ""]
        rows = [(label, *(pct(report["schemas"]["per_label"][label][s]["f1"]) for s in SCHEMAS)) for label in report["schemas"]["per_label"]]
        out.append(_md_table(("label", *SCHEMAS), rows))
    if report.get("confusion"):
        c = report["confusion"]
        out += ["", "## Confusion matrix", "", "Rows: gold label; columns: predicted label. `NONE` column: missed; `NONE` row: spurious.", ""]
        rows = [(f"**{g}**", *("" if g == NONE and p == NONE else c["counts"][i][j] for j, p in enumerate(c["columns"]))) for i, g in enumerate(c["rows"])]
        out.append(_md_table(("gold \\ predicted", *c["columns"]), rows))
    errors = report.get("errors")
    if errors:
        out += ["", "## Errors", ""]
        rows = [(label, *(per.get(cat, 0) for cat in ("correct",) + ERROR_CATEGORIES)) for label, per in errors["per_label"].items()]
        rows.append(("**all**", *(errors["counts"].get(cat, 0) for cat in ("correct",) + ERROR_CATEGORIES)))
        out.append(_md_table(("label", *(CATEGORY_TITLES[c] for c in ("correct",) + ERROR_CATEGORIES)), rows))
        examples = errors.get("examples", [])
        if examples:
            total = _error_total(errors)
            kept = errors.get("max_examples_per_category")
            sample = f"; the report keeps the first {kept} of each category" if kept and total > len(examples) else ""
            out += ["", f"First {min(MAX_MD_ERRORS, len(examples))} of {total:,} errors (the HTML report has an error browser{sample}):", ""]
            rows = []
            for e in examples[:MAX_MD_ERRORS]:
                g, p = e.get("gold"), e.get("pred")
                rows.append((CATEGORY_TITLES[e["category"]], f"{g['text']} ({g['label']})" if g else "–", f"{p['text']} ({p['label']})" if p else "–", e["id"]))
            out.append(_md_table(("error", "gold", "predicted", "unit"), rows, "llll"))
    s = report.get("speed") or {}
    out += ["", "## Model and data", ""]
    t = report.get("training_data") or {}
    meta = [
        ("model", f"{m.get('name')} {m.get('version')} ({m.get('path')})"),
        ("config sha256", m.get("config_sha256") or "–"),
        ("model size", size(m.get("size_bytes"))),
        ("training data", f"{t.get('path')} sha256 {t.get('sha256')}" if t.get("sha256") else f"unknown: {t.get('reason')}"),
        ("test data", f"{d.get('path')} (sha256 {d.get('sha256')})"),
        ("gold hash", d.get("gold_sha256") or "–"),
        ("speed", f"{rate(s.get('words_per_second'))} words/s ({count(s.get('words'))} words in {s.get('seconds', 0):.2f} s)" if s.get("seconds") else "–"),
        ("versions", ", ".join(f"{k} {v}" for k, v in (report.get("versions") or {}).items())),
        ("date", date(report.get("date"))),
    ]
    u = report.get("uncertainty") or {}
    if u:
        meta.append(("intervals", f"{int(u['level'] * 100)}% {u['method']}, {u['resamples']:,} resamples, seed {u['seed']}"))
    out.append(_md_table(("", ""), meta, "ll"))
    return "\n".join(out) + "\n"


# ---- comparison ------------------------------------------------------------------------------

def _comparison_context(comparison: dict, base: Path | None) -> dict:
    models = comparison["models"]
    labels = comparison["labels"]
    rows = []
    for label in labels + ["__overall__"]:
        bars = []
        for m in models:
            v = m["overall"] if label == "__overall__" else m["per_label"].get(label)
            if v is None:
                continue
            u = m.get("uncertainty") or {}
            ci = (u.get("overall") if label == "__overall__" else (u.get("per_label") or {}).get(label) or {}) or {}
            series = m["name"] if m.get("comparable", True) else f"{m['name']} (other test data)"
            bars.append({"series": series, "value": v["f1"], "ci": ci.get("f1")})
        rows.append({"label": "ALL (micro)" if label == "__overall__" else label, "bars": bars})
    forests = {}
    for c in comparison["comparisons"]:
        if c.get("bootstrap"):
            b = c["bootstrap"]
            frows = [{"label": label, "delta": b["per_label"][label]["delta"], "ci": b["per_label"][label]["ci"]} for label in labels]
            frows.append({"label": "ALL (micro)", "delta": b["overall"]["delta"], "ci": b["overall"]["ci"]})
            forests[c["b"]] = Markup(forest(frows, title=f"F1 difference {c['b_name']} − {c['a_name']}"))
    return {
        "c": comparison,
        "models": models,
        "labels": labels,
        "links": [_rel(m.get("html"), base) for m in models],
        "chart": Markup(f1_bars(rows, title="F1 per label and model (strict, 95% intervals)")),
        "forests": forests,
    }


def comparison_html(comparison: dict, base: Path | None = None) -> str:
    return _render("compare.html.j2", **_comparison_context(comparison, base))


def comparison_markdown(comparison: dict, base: Path | None = None) -> str:
    models, labels = comparison["models"], comparison["labels"]
    out = [f"# Comparison of {len(models)} models (baseline: {comparison['baseline']})", ""]
    for w in comparison["warnings"]:
        out.append(f"> **Warning:** {w}")
        out.append("")
    out += ["## Models", ""]
    rows = [
        (m["name"], f"{m['model'].get('name')} {m['model'].get('version')}", date(m.get("date")), m["data"].get("path"), short(m["data"].get("gold_sha256") or m["data"].get("sha256")), m["data"].get("examples"), pct(m["overall"].get("f1")))
        for m in models
    ]
    out.append(_md_table(("report", "model", "date", "test data", "data hash", "docs", "F1 %"), rows, "llllrrr"))
    out += ["", "## F1 % per label, side by side", ""]
    rows = []
    for label in labels + ["overall"]:
        cells = []
        for m in models:
            v = m["overall"] if label == "overall" else m["per_label"].get(label)
            cells.append(pct(v["f1"]) if v else "–")
        rows.append((label, *cells))
    out.append(_md_table(("label", *(m["name"] for m in models)), rows))
    for c in comparison["comparisons"]:
        out += ["", f"## {c['b_name']} vs {c['a_name']}", ""]
        if not c["comparable"]:
            out.append(f"**Not comparable**: {c['reason']}. No differences are reported.")
            continue
        b = c.get("bootstrap")
        if not b:
            out.append(c.get("note", ""))
            out.append("")
            rows = [(label, points(c["deltas"].get(label))) for label in labels + ["overall"]]
            out.append(_md_table(("label", "Δ F1 (points)"), rows))
            continue
        out.append(
            f"Paired bootstrap over {b['documents']} documents, {b['resamples']:,} resamples, seed {b['seed']}; "
            f"{int(b['level'] * 100)}% intervals of F1({c['b_name']}) − F1({c['a_name']}) in F1 points."
        )
        out.append("")
        rows = []
        for label in labels + ["overall"]:
            r = b["overall"] if label == "overall" else b["per_label"][label]
            rows.append((label, r["support"], pct(r["f1_a"]), pct(r["f1_b"]), points(r["delta"]), interval(r["ci"], signed=True), pct(r["b_wins"]), _verdict(r["verdict"], c)))
        out.append(_md_table(("label", "support", f"F1 {c['a_name']}", f"F1 {c['b_name']}", "Δ", "95% interval", f"{c['b_name']} wins %", "verdict"), rows, "lrrrrrrl"))
    return "\n".join(out) + "\n"


def _verdict(text: str, c: dict) -> str:
    return text.replace("B better", f"{c['b_name']} better").replace("A better", f"{c['a_name']} better")


# ---- index -----------------------------------------------------------------------------------

def index_html(entries: dict) -> str:
    return _render("index.html.j2", **entries)


def index_markdown(entries: dict) -> str:
    out = ["# Model evaluations", "", "Newest first. Regenerated by `viner evaluate` and `viner compare`.", "", "## Reports", ""]
    labels = entries["labels"]
    rows = []
    for r in entries["reports"]:
        rows.append(
            (
                date(r["date"]), f"[{r['name']}]({r['md'] or r['json']})", r["model"], r["data"], short(r["data_hash"]), r["examples"],
                pct(r["f1"]), interval(r["f1_ci"]), *(pct(r["per_label"].get(label)) if label in r["per_label"] else "–" for label in labels), rate(r["wps"]),
            )
        )
    out.append(_md_table(("date", "report", "model", "test data", "data hash", "docs", "F1 %", "95% interval", *labels, "words/s"), rows, "lllllrrr" + "r" * len(labels) + "r"))
    if entries["comparisons"]:
        out += ["", "## Comparisons", ""]
        rows = [(date(c["date"]), f"[{c['name']}]({c['md'] or c['html']})", ", ".join(c["models"]), c["summary"]) for c in entries["comparisons"]]
        out.append(_md_table(("date", "comparison", "models", "overall"), rows, "llll"))
    return "\n".join(out) + "\n"
