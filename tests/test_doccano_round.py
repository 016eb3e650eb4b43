# ruff: noqa: F811 (the tests take the `doccano` fixture imported from test_doccano_integration)
"""An annotation round without traps, against a real Doccano 1.8.4 server started by `viner doccano serve`.

- a span with whitespace at an edge is trimmed on pull (reported, the original in problems.txt), a really invalid
  row says whose it is and how to fix it, `agree`/`merge --skip-invalid` go on without it, status says why a
  checked unit is not compared;
- in a real Chromium (Debian's, driven by Playwright): the label keys as Doccano 1.8.4 really handles them
  (docs/doccano.md, annotator step 4), the Metadata panel at 1,366 and 1,920 px, the guideline dialog.

Screenshots of the panel and the dialog go to pytest's temporary folder (printed with -s).
"""

from __future__ import annotations

import json
import re

import pytest

from test_doccano_integration import (  # the server fixture and helpers of the main Doccano tests
    ANNOTATOR_PASSWORD,
    ROOT,
    admin,
    as_user,
    by_text,
    check_unit,
    doccano,  # noqa: F401 (a fixture)
    run,
    snapshots,
)
from viner.doccano.panel import MARK, RENAMED
from viner.doccano.push_plan import uncertainty_rows
from viner.formats import doccano_jsonl
from viner.record import Example, Span
from viner.selection import Selection

pytestmark = [pytest.mark.doccano, pytest.mark.slow]

A = "Tổng thống Kazakhstan Kassym-Jomart Tokayev đến Hà Nội hôm qua."
B = "Ông Nguyễn Văn Ánh và bà Lê Thị Hồng Nhung đến Thành phố Hồ Chí Minh."
C = "Đội tuyển Việt Nam thắng Thái Lan ở SEA Games 32."
LONG_SOURCE = "corpus/raw/tin_tuc_2024/thoi_su/bai_viet_ngoai_giao_so_000123.txt"
LONG_URL = "https://example.vn/tin-tuc/thoi-su/2024/12/05/mot-bai-viet-rat-dai-ve-ngoai-giao-so-000123.html"


def at(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def push_units(doccano, project: str, examples: list[Example], *extra: str):
    path = doccano.work / f"{project}.jsonl"
    doccano_jsonl.write(examples, path)
    return run(doccano, "doccano", "push", path, "--project", project, "--create", "--annotators", "alice,bob", *extra)


def test_edge_whitespace_is_trimmed_and_an_invalid_row_leaves_the_round_going(doccano):
    push_units(doccano, "round", [Example(A, meta={"source": "a.txt"}), Example(B), Example(C)])
    pid = admin(doccano).find_project("round")["id"]
    for name in ("alice", "bob"):
        session = as_user(doccano, name)
        types, examples = session.span_types(pid), by_text(session, pid)
        start, end = at(A, "Tokayev")
        end += name == "alice"  # alice's "Tokayev " with the space: invisible in the page
        session.create_span(pid, examples[A]["id"], start, end, types["PERSON"])
        session.create_span(pid, examples[B]["id"], *at(B, "Nguyễn Văn Ánh"), types["PERSON"])
        if name == "bob":  # Doccano accepts offsets past the text's end: a row no validator lets through
            session.create_span(pid, examples[C]["id"], 0, len(C) + 5, types["ORG"])
        else:
            session.create_span(pid, examples[C]["id"], *at(C, "Thái Lan"), types["GPE"])
        for text in (A, B, C):
            check_unit(session, pid, examples[text]["id"])

    status = run(doccano, "doccano", "status", "--project", "round")
    assert "Agreement so far on 2 unit(s)" in status.stdout
    assert re.search(r"Not compared: bob's checked unit [0-9a-f]{16} has an invalid row", status.stdout + status.stderr)
    assert "1 span(s) with whitespace at an edge compared trimmed" in status.stdout

    exports = doccano.work / "exports-round"
    pulled = run(doccano, "doccano", "pull", "--project", "round", "-o", exports)
    [snapshot] = snapshots(exports)
    out = pulled.stdout + pulled.stderr
    assert "1 span(s) had whitespace at an edge and were trimmed" in out and "alice (annotator): 3/3" in out
    alice = {e.text: e for e in doccano_jsonl.read(snapshot / "alice.jsonl")}
    [span] = alice[A].spans
    assert span.text_in(A) == "Tokayev" and alice[A].meta["source"] == "a.txt"
    problems = (snapshot / "problems.txt").read_text(encoding="utf-8")
    doccano_id = by_text(admin(doccano), pid)[C]["id"]
    assert (
        f"trimmed whitespace at the edge of alice's span 'Tokayev ' (PERSON) [{span.start}:{span.end + 1}]" in problems
    )
    assert (
        f"bob's unit {Example(C).id} (Doccano #{doccano_id}, {doccano.url}/projects/{pid}/sequence-labeling?page=3)"
        in problems
    )
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["annotators"]["alice"]["trimmed"] == 1 and manifest["annotators"]["bob"]["problems"] == 1

    refused = run(doccano, "agree", snapshot, expect=1)
    assert "pass --skip-invalid to go on without those units" in refused.stdout + refused.stderr
    report_path = doccano.work / "round-iaa.json"
    agreed = run(doccano, "agree", snapshot, "--skip-invalid", "-o", report_path)
    assert "1 unit(s) left out (--skip-invalid)" in agreed.stdout + agreed.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["units_compared"] == 2 and report["overall"]["f1"] == 1.0  # the trailing space is no disagreement
    assert [s["unit_id"] for s in report["skipped_invalid"]] == [Example(C).id]

    gold = doccano.work / "annotations" / "gold" / "round.jsonl"
    merged = run(doccano, "merge", snapshot, "-o", gold, "--skip-invalid")
    assert sorted(e.text for e in doccano_jsonl.read(gold)) == sorted([A, B])
    assert "left out (invalid row)" in merged.stdout


def test_merge_hint_names_the_review_project(doccano):
    push_units(doccano, "hint", [Example(B)])
    pid = admin(doccano).find_project("hint")["id"]
    for name, label in (("alice", "PERSON"), ("bob", "ORG")):
        session = as_user(doccano, name)
        example = by_text(session, pid)[B]
        session.create_span(pid, example["id"], *at(B, "Nguyễn Văn Ánh"), session.span_types(pid)[label])
        check_unit(session, pid, example["id"])
    exports = doccano.work / "exports-hint"
    run(doccano, "doccano", "pull", "--project", "hint", "-o", exports)
    result = run(doccano, "merge", exports, "-o", doccano.work / "annotations" / "gold" / "hint.jsonl", expect=1)
    assert "--review --project hint-review" in result.stdout + result.stderr


# --- the annotator's page in a real browser -----------------------------------------------------------------


def log_in(doccano, browser, width: int):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{doccano.url}/auth")
    page.locator("input").nth(0).fill("alice")
    page.locator("input").nth(1).fill(ANNOTATOR_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/projects/?$"))
    return page


def open_unit(page, doccano, pid: int, number: int = 1) -> None:
    page.goto(f"{doccano.url}/projects/{pid}/sequence-labeling?page={number}")
    page.wait_for_load_state("networkidle")
    page.locator(".annotation-text svg text[id]").first.wait_for()
    page.wait_for_timeout(500)


def select_words(page, part: str) -> None:
    """Select ``part`` of the unit's text with the mouse, as an annotator does."""
    box = page.evaluate(
        """(part) => {
          const t = document.querySelector('.annotation-text svg text[id]');
          const i = t.textContent.indexOf(part);
          const a = t.getExtentOfChar(i), b = t.getExtentOfChar(i + part.length - 1), m = t.getScreenCTM();
          return {x1: a.x * m.a + m.e + 1, x2: (b.x + b.width) * m.a + m.e - 1, y: (a.y + a.height / 2) * m.d + m.f};
        }""",
        part,
    )
    page.mouse.move(box["x1"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y"], steps=5)
    page.mouse.up()
    page.wait_for_timeout(700)


def label_menu_open(page) -> bool:
    return page.locator(".v-menu__content.menuable__content__active", has_text="Select a label").count() > 0


def sticky_label(page) -> list[str]:
    """The labels whose chip in the Label Types panel is on (shown with a ✓)."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.v-chip-group .v-chip.v-chip--active')).map(c => c.innerText.split('\\n')[0].trim())"
    )


def alice_spans(doccano, pid: int, text: str) -> set[tuple[str, str]]:
    session = as_user(doccano, "alice")
    names = {v: k for k, v in session.span_types(pid).items()}
    example = by_text(session, pid)[text]
    return {(text[s["start_offset"] : s["end_offset"]], names[s["label"]]) for s in session.spans(pid, example["id"])}


@pytest.mark.browser
def test_label_keys_behave_as_the_docs_say(doccano, browser):
    """docs/doccano.md, annotator step 4: select then click the label in the menu (a key typed there only filters
    it); a key pressed before selecting turns on a sticky label (✓ on its chip) that labels every selection, on the
    next units too, until its chip is clicked again."""
    push_units(doccano, "keys", [Example(A), Example(B), Example(C)])
    pid = admin(doccano).find_project("keys")["id"]
    page = log_in(doccano, browser, 1366)
    try:
        open_unit(page, doccano, pid)
        select_words(page, "Kassym-Jomart Tokayev")
        assert label_menu_open(page)
        page.keyboard.press("p")  # the menu has focus: the key filters its list and assigns nothing
        page.wait_for_timeout(500)
        assert label_menu_open(page) and alice_spans(doccano, pid, A) == set()
        page.keyboard.press("Escape")  # closes the filter's list; the menu stays: click the label (the safe way)
        page.wait_for_timeout(400)
        menu = page.locator(".v-menu__content.menuable__content__active:not(.v-autocomplete__content)")
        menu.locator(".v-list-item", has_text="PERSON").first.click()
        page.wait_for_timeout(800)
        assert alice_spans(doccano, pid, A) == {("Kassym-Jomart Tokayev", "PERSON")}

        open_unit(page, doccano, pid)  # a fresh page: no label on
        assert sticky_label(page) == []
        page.keyboard.press("g")  # before selecting: turns GPE on, shown by a ✓ on its chip
        page.wait_for_timeout(400)
        assert sticky_label(page) == ["GPE"]
        select_words(page, "Hà Nội")
        assert not label_menu_open(page) and ("Hà Nội", "GPE") in alice_spans(doccano, pid, A)
        page.locator("button:has(path[d^='M8.59,16.58L13.17,12L8.59,7.41'])").first.click()  # Next
        page.wait_for_url(re.compile(r".*page=2"))
        page.wait_for_timeout(800)
        assert sticky_label(page) == ["GPE"]  # still on, on the next unit
        select_words(page, "Nguyễn Văn Ánh")  # a person, tagged GPE without a menu
        assert not label_menu_open(page) and alice_spans(doccano, pid, B) == {("Nguyễn Văn Ánh", "GPE")}
        page.keyboard.press("g")  # the key again does not turn it off
        page.wait_for_timeout(400)
        assert sticky_label(page) == ["GPE"]
        page.locator(".v-chip-group .v-chip", has_text="GPE").click()  # clicking its chip does
        page.wait_for_timeout(400)
        assert sticky_label(page) == []
        select_words(page, "Lê Thị Hồng Nhung")
        assert label_menu_open(page)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 1920])
def test_metadata_panel_shows_what_helps_and_nothing_is_cut(doccano, browser, tmp_path_factory, width):
    """The panel lists source, position, line, the address and (for --select uncertain) the uncertainty, readable
    and within the window at both widths; no escaped JSON, no viner bookkeeping other than the unit's id (whom a
    push gave suggestions is in the lead's ledger, not here)."""
    project = f"panel-{width}"
    vn = Span(*at(C, "Việt Nam"), "GPE")
    unit = Example(C, (vn,), meta={"source": LONG_SOURCE, "position": 12, "line": 40, "source_url": LONG_URL})
    path = doccano.work / f"{project}.jsonl"
    doccano_jsonl.write([unit], path)
    pushed = run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        project,
        "--create",
        "--annotators",
        "alice",
        "--select",
        "random",
        "--limit",
        "1",
    )
    assert "alice: 1 suggested span(s) on 1 unit(s)" in pushed.stdout  # a push gave alice suggestions on it
    lead = admin(doccano)
    pid = lead.find_project(project)["id"]
    example = by_text(lead, pid)[C]  # the row --select uncertain adds for a score of 0.734 (scoring: test_selection)
    row = uncertainty_rows(Selection([unit], 1, 0, {unit.id: 0.734}))[unit.id]
    lead.update_meta(pid, example["id"], {**example["meta"], **row})
    page = log_in(doccano, browser, width)
    try:
        open_unit(page, doccano, pid)
        page.wait_for_function("() => document.querySelectorAll('table tbody tr').length > 3")
        rows = page.evaluate(
            "() => Array.from(document.querySelectorAll('table tbody tr')).map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText))"
        )
        fields = {
            k.replace(MARK, "").replace(RENAMED, ""): v.replace(MARK, "") for k, v in (r for r in rows if len(r) == 2)
        }
        assert fields == {
            "unit_id": unit.id,
            "source": LONG_SOURCE,
            "position": "12",
            "line": "40",
            "source_address": LONG_URL,
            "why chosen": "uncertainty 0.734: rank 1 of 1 (least sure first)",
        }
        assert "viner_suggested" not in page.inner_text("body")  # nowhere on alice's page
        cut = page.evaluate(
            """() => Array.from(document.querySelectorAll('table td')).filter(td => {
                 const r = td.getBoundingClientRect();
                 return td.scrollWidth > td.clientWidth + 1 || r.right > window.innerWidth;
               }).map(td => td.innerText)"""
        )
        assert cut == []
        wrapper = page.evaluate(
            "() => { const w = document.querySelector('.v-data-table__wrapper'); return [w.scrollWidth, w.clientWidth]; }"
        )
        assert wrapper[0] <= wrapper[1]  # no hidden part to scroll to
        shot = tmp_path_factory.mktemp("screenshots") / f"metadata-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    finally:
        page.close()


def open_guideline(page) -> None:
    buttons = page.locator("button.v-btn--icon")
    for i in range(buttons.count()):
        page.mouse.move(700, 950)
        page.wait_for_timeout(300)
        buttons.nth(i).hover()
        page.wait_for_timeout(500)
        tooltip = page.locator(".v-tooltip__content:visible")
        if tooltip.count() and "Guideline" in tooltip.first.inner_text():
            buttons.nth(i).click()
            page.locator(".tui-editor-contents").first.wait_for()
            page.wait_for_timeout(500)
            return
    pytest.fail("no toolbar button shows the tooltip 'Show Guideline'")


def paragraph_breaks(page) -> int:
    """Line breaks (<br>) inside the dialog's paragraphs and list items."""
    return page.evaluate(
        "() => document.querySelectorAll('.tui-editor-contents p br, .tui-editor-contents li br').length"
    )


@pytest.mark.browser
def test_guideline_dialog_shows_paragraphs_whole(doccano, browser, tmp_path_factory):
    """Doccano's dialog turns every line break of a paragraph into a visible break (checked with the file as it
    is); push unwraps the paragraphs, keeping headings, lists, tables and code."""
    guidelines = ROOT / "annotations" / "GUIDELINES.md"
    push_units(doccano, "guide", [Example(A)], "--guidelines", guidelines)
    lead = admin(doccano)
    pid = lead.find_project("guide")["id"]
    page = log_in(doccano, browser, 1366)
    try:
        open_unit(page, doccano, pid)
        open_guideline(page)
        assert paragraph_breaks(page) == 0
        text = page.locator(".tui-editor-contents").first.inner_text()
        assert "It says what to mark, where a span starts and ends, and how to decide the cases" in text
        assert (
            page.locator(".tui-editor-contents h2").count() >= 5
            and page.locator(".tui-editor-contents table").count() >= 1
        )
        shot = tmp_path_factory.mktemp("screenshots") / "guideline-1366.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        raw = guidelines.read_text(encoding="utf-8")  # the file as written, hard-wrapped: what push used to send
        lead.update_guidelines(pid, description="raw", guideline=raw)
        open_unit(page, doccano, pid)
        open_guideline(page)
        assert paragraph_breaks(page) > 20
    finally:
        page.close()
