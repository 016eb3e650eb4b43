"""A catalogue of bad inputs, each with the one-line message it must produce (issue 7).

Every case runs `viner ...` in-process through :func:`viner.cli.main` in a folder of small,
deliberately broken files, and checks: a non-zero exit status, the exact message fragment
(with the file name, and the line where there is one), and no Python traceback. A few cases
also run through a real `viner` subprocess. Outputs that a failed run must not create are
checked to be absent, and an existing output to be untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from viner.record import unit_id

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "configs" / "ner.cfg")

GOOD = {"text": "Ông Putin đến Hà Nội.", "label": [[4, 9, "PERSON"], [14, 20, "GPE"]], "meta": {"source": "a.txt"}}


def row(text, label, **meta):
    return json.dumps({"text": text, "label": label, **({"meta": meta} if meta else {})}, ensure_ascii=False)


TEXT = GOOD["text"]


FILES: dict[str, str | bytes | None] = {
    # Doccano JSONL, good and bad
    "good.jsonl": json.dumps(GOOD, ensure_ascii=False) + "\n",
    "good2.jsonl": json.dumps(GOOD, ensure_ascii=False) + "\n",
    "empty.jsonl": "",
    "blank.jsonl": "\n  \n\n",
    "conll.jsonl": "Hà B-LOC\nNội I-LOC\n",
    "utf16.jsonl": row("Hà Nội", []).encode("utf-16") + b"\n",
    "binary.jsonl": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
    "badjson.jsonl": row("Hà Nội", [[0, 6, "GPE"]]) + "\n" + '{"text": "Huế", "label": [[0, 3, "GPE"]\n',
    "array.jsonl": "[1, 2, 3]\n",
    "notext.jsonl": '{"data": "Hà Nội"}\n',
    "textnum.jsonl": '{"text": 5, "label": []}\n',
    "overlap.jsonl": row("Hà Nội", [[0, 6, "GPE"], [3, 6, "GPE"]]) + "\n",
    "range.jsonl": row("Hà Nội", [[0, 60, "GPE"]]) + "\n",
    "reversed.jsonl": row("Hà Nội", [[4, 2, "GPE"]]) + "\n",
    "space.jsonl": row("Hà Nội ở đâu", [[0, 7, "GPE"]]) + "\n",
    "nfd.jsonl": row("Ha\u0300 Nội", []) + "\n",
    "stroffsets.jsonl": row("Hà Nội", [["0", "6", "GPE"]]) + "\n",
    "labelstr.jsonl": '{"text": "Hà Nội", "label": "GPE"}\n',
    "unknownlabel.jsonl": row("Hà Nội", []) + "\n" + row("Hà Nội đẹp", [[0, 6, "LOC"]]) + "\n",
    "changed.jsonl": json.dumps({"text": "Ông Putin tới Hà Nội.", "label": [], "meta": {"unit_id": unit_id(TEXT)}})
    + "\n",
    "badid.jsonl": json.dumps({"text": "Hà Nội", "label": [], "meta": {"unit_id": "abc"}}) + "\n",
    # CoNLL
    "bad.conll": "Hà B-LOC\nNội I-PER\n",
    "onecol.conll": "Hà O\nNội\n",
    "badtag.conll": "Hà O\nNội PER\n",
    "misc.conll": "Giải B-MISC\nVô I-MISC\nđịch I-MISC\n",
    "empty.conll": "\n\n",
    "utf16.conll": "Hà O\n".encode("utf-16"),
    "iob1.conll": "Ông O\nPutin I-PER\n",
    # raw articles
    "article.txt": "Ông Putin đến Hà Nội.\n",
    "urls.txt": "https://vnexpress.net/a-1.html\n0\n",
    # configs and models
    "bad.cfg": "[nlp\nlang = vi\n",
    "nolang.cfg": "[paths]\ntrain = null\n",
    "zz.cfg": '[nlp]\nlang = "zz"\n',
    "brokenmodel/config.cfg": "[nlp\n",
    "junk.spacy": b"not a docbin",
    # reports
    "report.json": "{not json",
    "notreport.json": "{}\n",
    # folders
    "emptydir/": None,
    "notmodel/": None,
    "txtonly/notes.md": "# notes\n",
    "out/existing.jsonl": "keep me\n",
    "out/existing.conll": "keep me\n",
    "out/gold.jsonl": json.dumps(GOOD, ensure_ascii=False) + "\n",
    # pull snapshots (one JSONL per annotator)
    "snap-empty/alice.jsonl": "",
    "snap-empty/bob.jsonl": json.dumps(GOOD, ensure_ascii=False) + "\n",
    "snap-rawonly/raw/all.jsonl": json.dumps(GOOD, ensure_ascii=False) + "\n",
    "snap-pending/alice.jsonl": row(TEXT, [[4, 9, "PERSON"]], doccano_confirmed=False) + "\n",
    "snap-pending/bob.jsonl": row(TEXT, [[4, 9, "PERSON"]], doccano_confirmed=False) + "\n",
    "snap-conflict/alice.jsonl": row(TEXT, [[4, 9, "PERSON"], [14, 20, "GPE"]]) + "\n",
    "snap-conflict/bob.jsonl": row(TEXT, [[4, 9, "PERSON"]]) + "\n",
    "review.jsonl": row(TEXT, [[4, 9, "PERSON"]], viner_review={"versions": {}, "disputed": []}) + "\n",
    "guides/": None,
}

# (id, argv, expected fragments, exit status, paths that must not exist afterwards)
# "{model}" is replaced by a real (blank, initialised) spaCy pipeline, "{cfg}" by configs/ner.cfg.
CASES = [
    # --- viner validate
    ("validate-missing", ["validate", "missing.jsonl"], ["missing.jsonl: no such file or folder"], 1, []),
    ("validate-empty-file", ["validate", "empty.jsonl"], ["empty.jsonl: empty file: no JSON lines"], 1, []),
    ("validate-blank-file", ["validate", "blank.jsonl"], ["blank.jsonl: empty file: no JSON lines"], 1, []),
    ("validate-empty-folder", ["validate", "emptydir"], ["emptydir: folder has no .jsonl files"], 1, []),
    ("validate-folder-no-match", ["validate", "txtonly"], ["txtonly: folder has no .jsonl files"], 1, []),
    (
        "validate-conll-as-jsonl",
        ["validate", "conll.jsonl"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text; convert it with `viner import-conll`"],
        1,
        [],
    ),
    ("validate-utf16", ["validate", "utf16.jsonl"], ["utf16.jsonl:1: not valid utf-8", "pass --encoding"], 1, []),
    ("validate-binary", ["validate", "binary.jsonl"], ["binary.jsonl:1: not valid utf-8"], 1, []),
    (
        "validate-truncated-json",
        ["validate", "badjson.jsonl"],
        ["badjson.jsonl:2: invalid JSON (Expecting ',' delimiter"],
        1,
        [],
    ),
    ("validate-json-array", ["validate", "array.jsonl"], ["array.jsonl:1: expected a JSON object, got list"], 1, []),
    ("validate-no-text", ["validate", "notext.jsonl"], ["notext.jsonl:1: text: missing (keys present: data)"], 1, []),
    (
        "validate-text-not-string",
        ["validate", "textnum.jsonl"],
        ["textnum.jsonl:1: text: must be a string, got int"],
        1,
        [],
    ),
    (
        "validate-overlap",
        ["validate", "overlap.jsonl"],
        ["overlap.jsonl:1: label[1]: span 'Nội' (GPE) overlaps span 'Hà Nội' (GPE) at label[0]"],
        1,
        [],
    ),
    (
        "validate-out-of-range",
        ["validate", "range.jsonl"],
        ["range.jsonl:1: label[0]: offsets 0-60 out of range for a text of 6 characters"],
        1,
        [],
    ),
    (
        "validate-reversed",
        ["validate", "reversed.jsonl"],
        ["reversed.jsonl:1: label[0]: start 4 must be smaller than end 2"],
        1,
        [],
    ),
    (
        "validate-whitespace-edge",
        ["validate", "space.jsonl"],
        ["space.jsonl:1: label[0]: span 'Hà Nội ' (GPE) has leading or trailing whitespace"],
        1,
        [],
    ),
    ("validate-nfd", ["validate", "nfd.jsonl"], ["nfd.jsonl:1: text: is not in Unicode NFC form"], 1, []),
    (
        "validate-string-offsets",
        ["validate", "stroffsets.jsonl"],
        ["stroffsets.jsonl:1: label[0]: offsets must be integers, got '0', '6'"],
        1,
        [],
    ),
    (
        "validate-label-not-list",
        ["validate", "labelstr.jsonl"],
        ["labelstr.jsonl:1: label: must be a list of [start, end, label], got str"],
        1,
        [],
    ),
    (
        "validate-unknown-label",
        ["validate", "unknownlabel.jsonl"],
        ["unknownlabel.jsonl:2: label[0]: label 'LOC' is not one of PERSON, ORG, GPE, EVENT"],
        1,
        [],
    ),
    (
        "validate-stale-unit-id",
        ["validate", "badid.jsonl"],
        ["badid.jsonl:1: meta.unit_id: 'abc' is not the id of this text"],
        1,
        [],
    ),
    (
        "validate-empty-labels-option",
        ["validate", "good.jsonl", "--labels", ","],
        ["--labels: give at least one label"],
        1,
        [],
    ),
    # --- viner convert
    (
        "convert-missing-config",
        ["convert", "good.jsonl", "-o", "c", "-c", "missing.cfg"],
        ["missing.cfg: no such config file"],
        1,
        ["c"],
    ),
    (
        "convert-broken-config",
        ["convert", "good.jsonl", "-o", "c", "-c", "bad.cfg"],
        ["bad.cfg: not a valid spaCy config (ConfigValidationError", "python -m spacy debug config bad.cfg"],
        1,
        ["c"],
    ),
    (
        "convert-config-without-nlp",
        ["convert", "good.jsonl", "-o", "c", "-c", "nolang.cfg"],
        ["nolang.cfg: not a valid spaCy config: no [nlp] section with lang"],
        1,
        ["c"],
    ),
    (
        "convert-config-is-folder",
        ["convert", "good.jsonl", "-o", "c", "-c", "emptydir"],
        ["emptydir: is a folder, not a config file"],
        1,
        ["c"],
    ),
    (
        "convert-config-unknown-language",
        ["convert", "good.jsonl", "-o", "c", "-c", "zz.cfg"],
        ["zz.cfg: cannot build the tokenizer of language 'zz'"],
        1,
        ["c"],
    ),
    (
        "convert-misaligned-option",
        ["convert", "good.jsonl", "-o", "c", "-c", "{cfg}", "--misaligned", "fix"],
        ["--misaligned must be one of keep, drop, got 'fix'"],
        1,
        ["c"],
    ),
    (
        "convert-split-ratios",
        ["convert", "good.jsonl", "-o", "c", "-c", "{cfg}", "--split", "0.5,0.5"],
        ["--split '0.5,0.5': expected three"],
        1,
        ["c"],
    ),
    (
        "convert-empty-file",
        ["convert", "empty.jsonl", "-o", "c", "-c", "{cfg}"],
        ["empty.jsonl: no units to convert (empty file(s)); nothing was written"],
        1,
        ["c"],
    ),
    (
        "convert-conll-as-jsonl",
        ["convert", "conll.jsonl", "-o", "c", "-c", "{cfg}"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text", "nothing was written"],
        1,
        ["c"],
    ),
    (
        "convert-output-is-file",
        ["convert", "good.jsonl", "-o", "good2.jsonl", "-c", "{cfg}"],
        ["good2.jsonl: is a file; --output must be a folder"],
        1,
        [],
    ),
    (
        "convert-bad-seed",
        ["convert", "good.jsonl", "--seed", "abc"],
        ["viner convert: Invalid value for '--seed': 'abc' is not a valid int", "see `viner convert --help`"],
        2,
        [],
    ),
    # --- viner corpus build
    (
        "corpus-missing",
        ["corpus", "build", "missing.txt", "-o", "u.jsonl"],
        ["missing.txt: no such file or folder"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-empty-folder",
        ["corpus", "build", "emptydir", "-o", "u.jsonl"],
        ["emptydir: folder has no .txt or .jsonl files"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-wrong-encoding",
        ["corpus", "build", "utf16.jsonl", "-o", "u.jsonl"],
        ["utf16.jsonl:1: not valid utf-8"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-unknown-encoding",
        ["corpus", "build", "article.txt", "-o", "u.jsonl", "--encoding", "nope"],
        ["--encoding 'nope': unknown encoding; give a Python codec name"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-refuses-replacing-annotations",
        ["corpus", "build", "article.txt", "-o", "out/gold.jsonl"],
        [
            "out/gold.jsonl: already exists and holds annotations (2 span(s) in 1 unit(s)); choose another output or pass --force"
        ],
        1,
        [],
    ),
    (
        "corpus-refuses-replacing-other-file",
        ["corpus", "build", "article.txt", "-o", "out/existing.jsonl"],
        ["out/existing.jsonl: already exists and is not a JSONL file of units (it may hold someone's work)", "--force"],
        1,
        [],
    ),
    (
        "corpus-empty-file",
        ["corpus", "build", "empty.jsonl", "-o", "u.jsonl"],
        ["empty.jsonl: no text to make units from", "nothing was written"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-only-urls",
        ["corpus", "build", "urls.txt", "-o", "u.jsonl"],
        ["urls.txt: no text to make units from"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-invalid-jsonl-row",
        ["corpus", "build", "badjson.jsonl", "-o", "u.jsonl"],
        ["badjson.jsonl:2: invalid JSON"],
        1,
        ["u.jsonl"],
    ),
    (
        "corpus-output-is-folder",
        ["corpus", "build", "article.txt", "-o", "emptydir"],
        ["emptydir: is a folder; give a file name for the output"],
        1,
        [],
    ),
    (
        "corpus-bad-unit",
        ["corpus", "build", "article.txt", "-o", "u.jsonl", "--unit", "word"],
        ["viner corpus build: Invalid value for --unit: choose one of paragraph, sentence, document"],
        2,
        ["u.jsonl"],
    ),
    # --- viner evaluate
    (
        "evaluate-not-a-pipeline",
        ["evaluate", "notmodel", "good.jsonl"],
        ["notmodel: not a spaCy pipeline: no config.cfg in it"],
        1,
        [],
    ),
    (
        "evaluate-model-is-file",
        ["evaluate", "article.txt", "good.jsonl"],
        ["article.txt: is a file, not a spaCy pipeline folder"],
        1,
        [],
    ),
    (
        "evaluate-predictions-bad-json",
        ["evaluate", "badjson.jsonl", "good.jsonl", "-o", "out/r.json"],
        ["badjson.jsonl:2: invalid JSON", "1 problem(s) in the input; nothing was written"],
        1,
        ["out/r.json", "out/r.predictions.jsonl"],
    ),
    (
        "evaluate-predictions-unit-missing",
        ["evaluate", "good2.jsonl", "unknownlabel.jsonl", "-o", "out/r.json"],
        [
            "unknownlabel.jsonl:1: gold unit 89974fad63d662c1 has no prediction in good2.jsonl",
            "unknownlabel.jsonl:2: gold unit",
            "2 problem(s) in the input; nothing was written",
        ],
        1,
        ["out/r.json", "out/r.predictions.jsonl"],
    ),
    (
        "evaluate-predictions-text-changed",
        ["evaluate", "changed.jsonl", "good.jsonl", "-o", "out/r.json"],
        ["changed.jsonl:1: text: differs from the text of gold unit", "(good.jsonl:1) at character 10"],
        1,
        ["out/r.json", "out/r.predictions.jsonl"],
    ),
    (
        "evaluate-speed-of-a-model",
        ["evaluate", "{model}", "good.jsonl", "--words-per-second", "900"],
        ["--words-per-second is for a predictions file (.jsonl)"],
        1,
        [],
    ),
    ("evaluate-model-missing", ["evaluate", "./nomodel", "good.jsonl"], ["nomodel: no such model folder"], 1, []),
    (
        "evaluate-model-broken",
        ["evaluate", "brokenmodel", "good.jsonl"],
        ["brokenmodel: cannot load spaCy pipeline"],
        1,
        [],
    ),
    ("evaluate-data-missing", ["evaluate", "{model}", "missing.jsonl"], ["missing.jsonl: no such file"], 1, []),
    (
        "evaluate-data-unsupported",
        ["evaluate", "{model}", "article.txt"],
        ["article.txt: unsupported test data; give a .spacy file"],
        1,
        [],
    ),
    (
        "evaluate-data-junk-docbin",
        ["evaluate", "{model}", "junk.spacy"],
        ["junk.spacy: not a spaCy DocBin file"],
        1,
        [],
    ),
    (
        "evaluate-data-conll",
        ["evaluate", "{model}", "conll.jsonl"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text"],
        1,
        [],
    ),
    (
        "evaluate-data-empty",
        ["evaluate", "{model}", "empty.jsonl"],
        ["empty.jsonl: holds no examples to evaluate on"],
        1,
        [],
    ),
    # --- viner import-conll
    (
        "import-missing",
        ["import-conll", "missing.conll", "-o", "i.jsonl"],
        ["missing.conll: no such file or folder"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-i-without-b",
        ["import-conll", "bad.conll", "-o", "i.jsonl", "-m", "LOC=GPE,PER=PERSON"],
        ["bad.conll:2: tag I-PER without a preceding B-PER (after B-LOC)", "nothing was written"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-iob1",
        ["import-conll", "iob1.conll", "-o", "i.jsonl"],
        ["iob1.conll:2: tag I-PER without a preceding B-PER (after O); fix the tag (IOB1 files are not read)"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-one-column",
        ["import-conll", "onecol.conll", "-o", "i.jsonl"],
        ["onecol.conll:2: expected TOKEN and TAG columns separated by a space or a tab, got 'Nội'"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-bad-tag",
        ["import-conll", "badtag.conll", "-o", "i.jsonl"],
        ["badtag.conll:2: tag 'PER' is not O or B-/I-/E-/S- followed by a label"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-unmapped-label",
        ["import-conll", "misc.conll", "-o", "i.jsonl"],
        [
            "misc.conll:1: label 'MISC' is not one of PERSON, ORG, GPE, EVENT; map it with --label-map MISC=LABEL, leave it out with --drop MISC, or to use it, add it to the label scheme (annotations/labels.json) or pass --labels"
        ],
        1,
        ["i.jsonl"],
    ),
    (
        "import-empty",
        ["import-conll", "empty.conll", "-o", "i.jsonl"],
        ["empty.conll: no tokens: the file is empty or has only blank lines"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-jsonl-as-conll",
        ["import-conll", "good.jsonl", "-o", "i.jsonl"],
        ["good.jsonl:1: this looks like JSON lines (Doccano JSONL), not CoNLL"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-utf16",
        ["import-conll", "utf16.conll", "-o", "i.jsonl"],
        ["utf16.conll:1: not valid utf-8"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-empty-folder",
        ["import-conll", "emptydir", "-o", "i.jsonl"],
        ["emptydir: folder has no .conll or .iob or .bio or .txt or .tsv files"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-label-map-syntax",
        ["import-conll", "bad.conll", "-o", "i.jsonl", "-m", "PER"],
        ["--label-map: 'PER' is not FROM=TO"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-join-option",
        ["import-conll", "bad.conll", "-o", "i.jsonl", "--join", "tight"],
        ["--join must be one of smart, space, got 'tight'"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-refuses-overwrite",
        ["import-conll", "misc.conll", "-o", "out/existing.jsonl", "--drop", "MISC"],
        ["out/existing.jsonl: already exists and holds annotations; choose another output or pass --force"],
        1,
        [],
    ),
    (
        "import-all-skipped-keeps-old",
        ["import-conll", "bad.conll", "-o", "out/existing.jsonl", "--force", "--skip-invalid"],
        ["skipped: bad.conll:2: tag I-PER", "no valid sentence in bad.conll; nothing was written"],
        1,
        [],
    ),
    (
        "import-unknown-encoding",
        ["import-conll", "bad.conll", "-o", "i.jsonl", "--encoding", "nope"],
        ["--encoding 'nope': unknown encoding"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-drop-option",
        ["import-conll", "misc.conll", "-o", "i.jsonl", "--drop", ","],
        ["--drop: give comma-separated names, for example MISC"],
        1,
        ["i.jsonl"],
    ),
    (
        "import-force-bad-input-keeps-old",
        ["import-conll", "bad.conll", "-o", "out/existing.jsonl", "--force"],
        ["bad.conll:2: tag I-PER without a preceding B-PER"],
        1,
        [],
    ),
    # --- viner export
    (
        "export-conll-as-jsonl",
        ["export", "conll.jsonl", "-o", "e.conll", "-t", "syllable"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text", "nothing was written"],
        1,
        ["e.conll"],
    ),
    (
        "export-empty",
        ["export", "empty.jsonl", "-o", "e.conll", "-t", "syllable"],
        ["empty.jsonl: holds no units to export"],
        1,
        ["e.conll"],
    ),
    (
        "export-junk-docbin",
        ["export", "junk.spacy", "-o", "e.conll", "-t", "syllable"],
        ["junk.spacy: not a spaCy DocBin file"],
        1,
        ["e.conll"],
    ),
    (
        "export-unknown-label",
        ["export", "unknownlabel.jsonl", "-o", "e.conll", "-t", "syllable"],
        ["unknownlabel.jsonl:2: label[0]: label 'LOC' is not one of"],
        1,
        ["e.conll"],
    ),
    (
        "export-format-option",
        ["export", "good.jsonl", "-o", "e.conll", "-f", "xml"],
        ["--format must be one of conll, hf, got 'xml'"],
        1,
        ["e.conll"],
    ),
    (
        "export-tokens-option",
        ["export", "good.jsonl", "-o", "e.conll", "-t", "char"],
        ["--tokens must be one of word, syllable, got 'char'"],
        1,
        ["e.conll"],
    ),
    (
        "export-broken-config",
        ["export", "good.jsonl", "-o", "e.conll", "-c", "bad.cfg"],
        ["bad.cfg: not a valid spaCy config"],
        1,
        ["e.conll"],
    ),
    (
        "export-refuses-overwrite",
        ["export", "good.jsonl", "-o", "out/existing.conll", "-t", "syllable"],
        ["out/existing.conll: already exists and holds exported annotations; choose another output or pass --force"],
        1,
        [],
    ),
    (
        "export-split-names-count",
        ["export", "good.jsonl", "good2.jsonl", "-f", "hf", "-o", "hf", "--split-names", "train"],
        ["--split-names: got 1 name(s) for 2 input file(s)"],
        1,
        ["hf"],
    ),
    (
        "export-hf-empty-folder",
        ["export", "emptydir", "-f", "hf", "-o", "hf"],
        ["emptydir: folder has no .jsonl or .spacy files"],
        1,
        ["hf"],
    ),
    (
        "export-force-bad-input-keeps-old",
        ["export", "conll.jsonl", "-o", "out/existing.conll", "--force", "-t", "syllable"],
        ["conll.jsonl:1: not JSON"],
        1,
        [],
    ),
    # --- command-line usage
    (
        "usage-missing-argument",
        ["validate"],
        ["viner validate: Missing argument", "see `viner validate --help`"],
        2,
        [],
    ),
    ("usage-unknown-option", ["validate", "good.jsonl", "--bogus"], ["viner validate: No such option: --bogus"], 2, []),
    ("usage-unknown-command", ["valdate", "good.jsonl"], ["No such command 'valdate'"], 2, []),
]

# Commands written by other engineers: catalogued when present.
OPTIONAL = [
    ("compare", "compare-not-json", ["compare", "report.json"], ["report.json: not a JSON report"], 1, []),
    (
        "compare",
        "compare-not-a-report",
        ["compare", "notreport.json"],
        ["notreport.json: not a viner evaluation report"],
        1,
        [],
    ),
    ("compare", "compare-missing", ["compare", "missing.json"], ["missing.json: no such file"], 1, []),
    ("agree", "agree-missing", ["agree", "missing"], ["missing: no such file or folder"], 1, []),
    (
        "agree",
        "agree-conll-as-jsonl",
        ["agree", "conll.jsonl", "good.jsonl"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text"],
        1,
        [],
    ),
    (
        "merge",
        "merge-missing",
        ["merge", "missing", "-o", "g.jsonl"],
        ["missing: no such file or folder"],
        1,
        ["g.jsonl"],
    ),
    (
        "merge",
        "merge-conll-as-jsonl",
        ["merge", "conll.jsonl", "good.jsonl", "-o", "g.jsonl"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text"],
        1,
        ["g.jsonl"],
    ),
    (
        "merge",
        "merge-refuses-overwrite",
        ["merge", "good.jsonl", "good2.jsonl", "-o", "out/existing.jsonl"],
        ["out/existing.jsonl: already exists and holds gold annotations"],
        1,
        [],
    ),
    (
        "agree",
        "agree-empty-annotator-file",
        ["agree", "snap-empty"],
        ["snap-empty/alice.jsonl: empty file: no units for annotator 'alice'", "nothing was written"],
        1,
        [],
    ),
    (
        "agree",
        "agree-empty-file-given",
        ["agree", "empty.jsonl", "good.jsonl"],
        ["empty.jsonl: empty file: no units for annotator 'empty'"],
        1,
        [],
    ),
    (
        "agree",
        "agree-blank-file-given",
        ["agree", "good.jsonl", "blank.jsonl"],
        ["blank.jsonl: empty file: no units for annotator 'blank'"],
        1,
        [],
    ),
    ("agree", "agree-empty-folder", ["agree", "emptydir"], ["emptydir: folder has no .jsonl files"], 1, []),
    (
        "agree",
        "agree-snapshot-without-annotators",
        ["agree", "snap-rawonly"],
        ["snap-rawonly: no annotator files (expected one NAME.jsonl per annotator"],
        1,
        [],
    ),
    (
        "agree",
        "agree-one-annotator",
        ["agree", "good.jsonl"],
        ["agreement needs at least two annotators; found 1 (good)"],
        1,
        [],
    ),
    (
        "agree",
        "agree-report-is-folder",
        ["agree", "snap-conflict", "-o", "emptydir"],
        ["emptydir: is a folder; give a file name for the output"],
        1,
        [],
    ),
    (
        "merge",
        "merge-empty-annotator-file",
        ["merge", "snap-empty", "-o", "g.jsonl"],
        ["snap-empty/alice.jsonl: empty file: no units for annotator 'alice'", "nothing was written"],
        1,
        ["g.jsonl", "g.review.jsonl"],
    ),
    (
        "merge",
        "merge-empty-file-given",
        ["merge", "good.jsonl", "empty.jsonl", "-o", "g.jsonl"],
        ["empty.jsonl: empty file: no units for annotator 'empty'"],
        1,
        ["g.jsonl", "g.review.jsonl"],
    ),
    (
        "merge",
        "merge-snapshot-without-annotators",
        ["merge", "snap-rawonly", "-o", "g.jsonl"],
        ["snap-rawonly: no annotator files"],
        1,
        ["g.jsonl"],
    ),
    (
        "merge",
        "merge-all-pending",
        ["merge", "snap-pending", "-o", "g.jsonl"],
        [
            "snap-pending: nothing to merge: all 1 unit(s) are pending (finished by fewer than 2 annotator(s))",
            "nothing was written",
        ],
        1,
        ["g.jsonl", "g.review.jsonl"],
    ),
    (
        "merge",
        "merge-refuses-overwriting-review",
        ["merge", "snap-conflict", "-o", "g.jsonl", "--review-file", "out/existing.jsonl"],
        ["out/existing.jsonl: already exists and holds a review file; choose another output or pass --force"],
        1,
        ["g.jsonl"],
    ),
    (
        "merge",
        "merge-review-is-gold",
        ["merge", "snap-conflict", "-o", "g.jsonl", "--review-file", "g.jsonl"],
        ["the review file and the gold file must differ"],
        1,
        ["g.jsonl"],
    ),
    (
        "merge",
        "merge-output-is-folder",
        ["merge", "snap-conflict", "-o", "emptydir"],
        ["emptydir: is a folder; give a file name for the output"],
        1,
        [],
    ),
    (
        "merge",
        "merge-adjudicated-missing",
        ["merge", "snap-conflict", "-o", "g.jsonl", "-a", "missing"],
        ["missing: no such file or folder"],
        1,
        ["g.jsonl", "g.review.jsonl"],
    ),
    (
        "merge",
        "merge-min-annotators",
        ["merge", "snap-conflict", "-o", "g.jsonl", "--min-annotators", "0"],
        ["--min-annotators must be at least 1"],
        1,
        ["g.jsonl", "g.review.jsonl"],
    ),
    (
        "predict",
        "predict-not-a-pipeline",
        ["predict", "notmodel", "good.jsonl", "-o", "p.jsonl"],
        ["notmodel: not a spaCy pipeline: no config.cfg in it"],
        1,
        ["p.jsonl"],
    ),
    (
        "predict",
        "predict-conll-as-jsonl",
        ["predict", "{model}", "conll.jsonl", "-o", "p.jsonl"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text"],
        1,
        ["p.jsonl"],
    ),
    (
        "predict",
        "predict-empty-file",
        ["predict", "{model}", "empty.jsonl", "-o", "p.jsonl"],
        ["empty.jsonl: empty file: no units to pre-annotate", "nothing was written"],
        1,
        ["p.jsonl"],
    ),
    (
        "predict",
        "predict-blank-file",
        ["predict", "{model}", "good.jsonl", "blank.jsonl", "-o", "p.jsonl"],
        ["blank.jsonl: empty file: no units to pre-annotate"],
        1,
        ["p.jsonl"],
    ),
    (
        "predict",
        "predict-empty-folder",
        ["predict", "{model}", "emptydir", "-o", "p.jsonl"],
        ["emptydir: folder has no .jsonl files"],
        1,
        ["p.jsonl"],
    ),
    (
        "predict",
        "predict-refuses-replacing-annotations",
        ["predict", "{model}", "good.jsonl", "-o", "out/gold.jsonl"],
        [
            "out/gold.jsonl: already exists and holds annotations (2 span(s) in 1 unit(s)); choose another output or pass --force"
        ],
        1,
        [],
    ),
    (
        "predict",
        "predict-output-is-folder",
        ["predict", "{model}", "good.jsonl", "-o", "emptydir"],
        ["emptydir: is a folder; give a file name for the output"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-missing-file",
        ["doccano", "push", "missing.jsonl", "--project", "p"],
        ["viner doccano push: Invalid value for 'file': File 'missing.jsonl' does not exist"],
        2,
        [],
    ),
    # push checks its file before contacting the server (DOCCANO_URL points at a port nobody listens on)
    (
        "doccano",
        "doccano-push-empty-file",
        ["doccano", "push", "empty.jsonl", "--project", "p"],
        ["empty.jsonl: empty file: no units to push"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-conll-as-jsonl",
        ["doccano", "push", "conll.jsonl", "--project", "p"],
        ["conll.jsonl:1: not JSON: this looks like CoNLL/IOB text"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-invalid-span",
        ["doccano", "push", "overlap.jsonl", "--project", "p"],
        ["overlap.jsonl:1: label[1]: span 'Nội' (GPE) overlaps"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-wrong-encoding",
        ["doccano", "push", "utf16.jsonl", "--project", "p"],
        ["utf16.jsonl:1: not valid utf-8"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-not-review",
        ["doccano", "push", "good.jsonl", "--project", "p", "--review"],
        ["good.jsonl: not a review file (rows lack meta.viner_review)"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-review-without-flag",
        ["doccano", "push", "review.jsonl", "--project", "p"],
        ["review.jsonl: this is a review file written by `viner merge`; push it with --review"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-guidelines-missing",
        ["doccano", "push", "good.jsonl", "--project", "p", "--guidelines", "missing.md"],
        ["missing.md: guidelines file not found"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-guidelines-folder",
        ["doccano", "push", "good.jsonl", "--project", "p", "--guidelines", "guides"],
        ["guides: guidelines file not found (it is a folder)"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-model-missing",
        ["doccano", "push", "good.jsonl", "--project", "p", "--preannotate", "./nomodel"],
        ["--preannotate ./nomodel: cannot load the spaCy pipeline"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-server-down",
        ["doccano", "push", "good.jsonl", "--project", "p"],
        ["cannot reach Doccano at http://127.0.0.1:", "start it with `viner doccano serve`"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-push-no-password",
        ["doccano", "push", "good.jsonl", "--project", "p", "--password", ""],
        ["no password for Doccano user 'admin': set DOCCANO_ADMIN_PASSWORD"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-pull-server-down",
        ["doccano", "pull", "--project", "p", "-o", "exports"],
        ["cannot reach Doccano at http://127.0.0.1:", "start it with `viner doccano serve`"],
        1,
        ["exports"],
    ),
    (
        "doccano",
        "doccano-pull-output-is-file",
        ["doccano", "pull", "--project", "p", "-o", "good.jsonl"],
        ["good.jsonl: is a file; --output must be a folder"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-pull-output-under-file",
        ["doccano", "pull", "--project", "p", "-o", "good.jsonl/exports"],
        ["good.jsonl/exports:", "good.jsonl is a file, so the folder cannot be made"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-pull-no-password",
        ["doccano", "pull", "--project", "p", "--password", ""],
        ["no password for Doccano user 'admin'"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-serve-home-is-file",
        ["doccano", "serve", "--home", "good.jsonl", "--port", "{free_port}"],
        ["good.jsonl: is a file; --home must be a folder"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-serve-port-not-number",
        ["doccano", "serve", "--port", "http"],
        ["viner doccano serve: Invalid value for '--port'", "'http' is not a valid int"],
        2,
        [],
    ),
    (
        "doccano",
        "doccano-serve-port-range",
        ["doccano", "serve", "--port", "70000", "--home", "h"],
        ["--port 70000: give a port between 1 and 65535"],
        1,
        ["h"],
    ),
    (
        "doccano",
        "doccano-serve-port-busy",
        ["doccano", "serve", "--port", "{busy_port}", "--home", "h"],
        ["port {busy_port} on 127.0.0.1 is already in use"],
        1,
        [],
    ),
    (
        "doccano",
        "doccano-serve-workers",
        ["doccano", "serve", "--workers", "0", "--home", "h"],
        ["--workers 0: give at least 1"],
        1,
        ["h"],
    ),
    (
        "doccano",
        "doccano-serve-env-is-file",
        ["doccano", "serve", "--env", "good.jsonl", "--home", "h", "--port", "{free_port}"],
        ["good.jsonl: is a file; --env (or VINER_DOCCANO_ENV) must be a folder"],
        1,
        ["h"],
    ),
]


def _commands() -> set[str]:
    from typer.main import get_command

    from viner.cli import app  # importing viner.cli registers the commands

    return set(get_command(app).commands)


AVAILABLE = _commands()
ALL_CASES = CASES + [case for command, *case in OPTIONAL if command in AVAILABLE]


@pytest.fixture(scope="session")
def blank_model(tmp_path_factory) -> Path:
    """A real spaCy pipeline (blank Vietnamese + an initialised NER): loads in a second, predicts nothing."""
    import spacy

    nlp = spacy.blank("vi")
    ner = nlp.add_pipe("ner")
    for label in ("PERSON", "ORG", "GPE", "EVENT"):
        ner.add_label(label)
    nlp.initialize()
    path = tmp_path_factory.mktemp("blank-model") / "model"
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def ports():
    """A loopback port nobody listens on, and one that is taken (a bound, listening socket)."""
    import socket

    from viner.doccano.server import free_port

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        yield {"free_port": str(free_port()), "busy_port": str(busy.getsockname()[1])}


@pytest.fixture
def workspace(tmp_path, monkeypatch, ports) -> Path:
    # The doccano commands never reach anything but a closed port on 127.0.0.1.
    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{ports['free_port']}")
    monkeypatch.setenv("DOCCANO_ADMIN_PASSWORD", "not-used")
    monkeypatch.setenv("VINER_DOCCANO_RETRIES", "1")
    monkeypatch.setenv("VINER_DOCCANO_ENV", str(tmp_path / "no-doccano-env"))
    for name, content in FILES.items():
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def no_traceback(out: str) -> None:
    assert "Traceback" not in out and not any(line.startswith('  File "') for line in out.splitlines()), out


def test_catalogue_is_large_enough():
    assert len(ALL_CASES) >= 30
    assert len({case[0] for case in ALL_CASES}) == len(ALL_CASES)


@pytest.mark.parametrize("name,argv,fragments,status,absent", ALL_CASES, ids=[case[0] for case in ALL_CASES])
def test_bad_input(name, argv, fragments, status, absent, workspace, run_cli, request, ports):
    if any("{model}" in a for a in argv):
        model = str(request.getfixturevalue("blank_model"))
        argv = [a.replace("{model}", model) for a in argv]
    argv = [a.replace("{cfg}", CONFIG).format(**ports) if "_port}" in a else a.replace("{cfg}", CONFIG) for a in argv]
    fragments = [f.format(**ports) if "_port}" in f else f for f in fragments]
    before = {p: p.read_bytes() for p in (workspace / "out").iterdir()}
    code, out = run_cli(*argv)
    assert code == status, out
    for fragment in fragments:
        assert fragment in out, f"expected {fragment!r} in:\n{out}"
    no_traceback(out)
    errors = [line for line in out.splitlines() if line.startswith("\u2718")]
    assert errors, out
    for path in absent:
        assert not (workspace / path).exists(), f"{path} was written by a failed run"
    assert {p: p.read_bytes() for p in (workspace / "out").iterdir()} == before  # earlier outputs untouched
    assert not [p for p in workspace.rglob(".*.tmp")], "a temporary file was left behind"


def test_debug_shows_the_traceback(workspace, capsys):
    from viner.cli import main
    from viner.errors import VinerError

    with pytest.raises(VinerError, match="missing.jsonl: no such file or folder"):
        main(["--debug", "validate", "missing.jsonl"])


SUBPROCESS_CASES = [
    (["validate", "conll.jsonl"], "conll.jsonl:1: not JSON: this looks like CoNLL/IOB text", 1),
    (["import-conll", "bad.conll", "-o", "i.jsonl"], "bad.conll:2: tag I-PER without a preceding B-PER", 1),
    (["convert", "good.jsonl", "-o", "c", "-c", "bad.cfg"], "bad.cfg: not a valid spaCy config", 1),
    (["corpus", "build", "article.txt", "--unit", "word"], "Invalid value for --unit", 2),
    (["evaluate", "notmodel", "good.jsonl"], "notmodel: not a spaCy pipeline", 1),
]


def _viner() -> list[str]:
    script = Path(sys.executable).with_name("viner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "viner"]


@pytest.mark.parametrize("argv,fragment,status", SUBPROCESS_CASES, ids=[" ".join(c[0][:2]) for c in SUBPROCESS_CASES])
def test_real_process_prints_one_line_and_no_traceback(argv, fragment, status, workspace):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("VINER_DEBUG", None)
    result = subprocess.run([*_viner(), *argv], cwd=workspace, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == status, result.stderr
    no_traceback(result.stdout + result.stderr)
    assert fragment in result.stderr
    first = result.stderr.splitlines()[0]
    assert fragment in first  # the message is the first line of stderr, on one line


def test_real_process_debug_flag_shows_the_traceback(workspace):
    result = subprocess.run(
        [*_viner(), "--debug", "validate", "missing.jsonl"], cwd=workspace, capture_output=True, text=True, timeout=120
    )
    assert (
        result.returncode != 0
        and "Traceback" in result.stderr
        and "VinerError: missing.jsonl: no such file or folder" in result.stderr
    )
