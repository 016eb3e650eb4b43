import json

import pytest
import spacy
from spacy.tokens import DocBin

import oracles_docbin
from viner.convert import convert
from viner.errors import InvalidInput, VinerError
from viner.formats import docbin
from viner.record import Example, Span
from viner.split import assign_splits, parse_ratios


def row(text, ents, source):
    label = []
    for name, lab in ents:
        start = text.index(name)
        label.append([start, start + len(name), lab])
    return {"text": text, "label": label, "meta": {"source": source}}


SENTENCES = [
    (
        "Tổng thống Nga Vladimir Putin đến Bắc Kinh.",
        [("Nga", "GPE"), ("Vladimir Putin", "PERSON"), ("Bắc Kinh", "GPE")],
    ),
    (
        "Tổ chức Hợp tác Thượng Hải (SCO) họp tại Astana.",
        [("Tổ chức Hợp tác Thượng Hải", "ORG"), ("SCO", "ORG"), ("Astana", "GPE")],
    ),
    (
        "Ông Tập Cận Bình dự Diễn đàn Vành đai và Con đường.",
        [("Tập Cận Bình", "PERSON"), ("Diễn đàn Vành đai và Con đường", "EVENT")],
    ),
]


@pytest.fixture
def gold(tmp_path, jsonl):
    rows = []
    for article in range(10):
        for i, (text, ents) in enumerate(SENTENCES):
            rows.append(row(f"{text} Bài {article} đoạn {i}.", ents, f"article-{article}.txt"))
    return jsonl(tmp_path / "gold.jsonl", rows)


def test_split_is_by_article_reproducible_and_complete(gold, tmp_path, root):
    out = tmp_path / "corpus"
    report = convert([gold], out, config=root / "configs" / "ner.cfg", seed=3)
    assert sum(report.units.values()) == 30
    assert all(report.articles[name] >= 1 for name in ("train", "dev", "test"))
    nlp = spacy.blank("vi")
    sources = {}
    for name in ("train", "dev", "test"):
        for example in docbin.read(out / f"{name}.spacy", nlp):
            sources.setdefault(example.meta["source"], set()).add(name)
            assert len(example.spans) in (2, 3)
    assert len(sources) == 10 and all(len(s) == 1 for s in sources.values())
    manifest = json.loads((out / "convert-report.json").read_text("utf-8"))
    again = convert([gold], tmp_path / "again", config=root / "configs" / "ner.cfg", seed=3)
    assert (
        again.units == report.units
        and manifest["assignment"]
        == json.loads((tmp_path / "again" / "convert-report.json").read_text("utf-8"))["assignment"]
    )


def test_assign_splits_follows_ratios_and_never_leaves_a_split_empty():
    sizes = {f"a{i}": 10 for i in range(20)}
    result = assign_splits(sizes, (0.8, 0.1, 0.1), seed=0)
    counts = {n: sum(1 for v in result.values() if v == n) for n in ("train", "dev", "test")}
    assert counts == {"train": 16, "dev": 2, "test": 2}
    assert assign_splits(sizes, (0.8, 0.1, 0.1), seed=0) == result
    assert assign_splits(sizes, (0.8, 0.1, 0.1), seed=1) != result
    small = assign_splits({"a": 20, "b": 15, "c": 14, "d": 13, "e": 13}, (0.8, 0.1, 0.1), seed=0)
    assert set(small.values()) == {"train", "dev", "test"}
    assert set(assign_splits({"a": 5, "b": 5}, (1, 0, 0)).values()) == {"train"}
    assert parse_ratios("80,10,10") == (0.8, 0.1, 0.1)
    with pytest.raises(VinerError):
        parse_ratios("0.8,0.2")


def test_invalid_input_writes_nothing(tmp_path, jsonl, root):
    bad = jsonl(tmp_path / "bad.jsonl", [row(*SENTENCES[0], "a.txt"), {"text": "Nga", "label": [[0, 9, "GPE"]]}])
    out = tmp_path / "corpus"
    with pytest.raises(InvalidInput) as err:
        convert([bad], out, config=root / "configs" / "ner.cfg")
    assert err.value.problems[0].line == 2
    assert not out.exists() or not any(out.iterdir())


def test_failed_conversion_keeps_previous_outputs(tmp_path, gold, jsonl, root):
    out = tmp_path / "corpus"
    convert([gold], out, config=root / "configs" / "ner.cfg")
    before = (out / "train.spacy").read_bytes()
    with pytest.raises(VinerError):
        convert([gold], out, config=tmp_path / "missing.cfg")
    assert (out / "train.spacy").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["convert-report.json", "dev.spacy", "test.spacy", "train.spacy"]


MISALIGNED_TEXT = "Ủy ban Hà Nội công bố kế hoạch."


def test_misaligned_spans_are_reported_and_kept_or_dropped(tmp_path, jsonl, root):
    nlp = spacy.blank("vi")
    tokens = [t.text for t in nlp(MISALIGNED_TEXT)]
    assert "Hà Nội" not in tokens  # pyvi merges the name with the verb or the noun before it
    path = jsonl(tmp_path / "m.jsonl", [row(MISALIGNED_TEXT, [("Hà Nội", "GPE")], "a.txt")])
    seen = []
    # word tokens: pyvi merges "Hà Nội" with a neighbour
    pyvi = root / "experiments" / "configs" / "pyvi-efficiency.cfg"
    report = convert([path], tmp_path / "keep", config=pyvi, ratios=(1, 0, 0), on_misaligned=seen.append)
    assert len(report.misaligned) == 1 and seen[0].text == "Hà Nội" and seen[0].line == 1 and seen[0].path == str(path)
    (example,) = docbin.read(tmp_path / "keep" / "train.spacy", nlp)
    assert example.span_texts() == [("Hà Nội", "GPE")] and example.text == MISALIGNED_TEXT
    report = convert([path], tmp_path / "drop", config=pyvi, ratios=(1, 0, 0), misaligned="drop")
    assert len(report.misaligned) == 1
    (example,) = docbin.read(tmp_path / "drop" / "train.spacy", nlp)
    assert example.spans == ()
    report = convert([path], tmp_path / "syllables", config=root / "configs" / "ner.cfg", ratios=(1, 0, 0))
    assert report.misaligned == []  # the default config's syllable tokens put every span on token edges


@pytest.mark.parametrize(
    "text,cuts",
    [
        ("Hà Nội công bố", {6}),
        ("ab  cd", {3}),
        ("Tổng thống Nga Vladimir Putin", {3, 17}),
        ("xx TP.HCM. yy", {6, 9}),
        ("Tổng thống Kazakhstan Kassym-Jomart Tokayev cho biết", {21, 22}),
        ("a  b", {1, 2, 3}),
    ],
)
def test_split_tokens_at_keeps_text(text, cuts):
    nlp = spacy.blank("vi")
    doc = docbin.split_tokens_at(nlp.make_doc(text), cuts)
    assert doc.text == text
    boundaries = {t.idx for t in doc} | {t.idx + len(t) for t in doc}
    assert cuts <= boundaries


def test_docbin_round_trip_keeps_id_meta_and_offsets(tmp_path):
    nlp = spacy.blank("vi")
    text = "Ngoại trưởng Nga Sergey Lavrov đến Astana."
    example = Example(
        text,
        (Span(13, 16, "GPE"), Span(17, 30, "PERSON"), Span(35, 41, "GPE")),
        meta={"source": "s.txt", "position": 3},
    )
    oracles_docbin.write([example], nlp, tmp_path / "x.spacy")
    (back,) = docbin.read(tmp_path / "x.spacy", nlp)
    assert back == example
    with pytest.raises(VinerError, match="not a spaCy DocBin"):
        (tmp_path / "junk.spacy").write_bytes(b"junk")
        list(docbin.read(tmp_path / "junk.spacy", nlp))


def test_cli_convert_reports_and_fails_cleanly(tmp_path, gold, jsonl, run_cli, root):
    code, out = run_cli("convert", gold, "-o", tmp_path / "c", "-c", root / "configs" / "ner.cfg")
    assert code == 0 and "train" in out and "Wrote" in out
    bad = jsonl(
        tmp_path / "bad" / "b.jsonl" if (tmp_path / "bad").mkdir() is None else None,
        [{"text": "Nga", "label": [[0, 3, "XX"]]}],
    )
    code, out = run_cli("convert", bad, "-o", tmp_path / "c2", "-c", root / "configs" / "ner.cfg")
    assert code == 1 and f"{bad}:1: label[0]: label 'XX'" in out and "nothing was written" in out
    assert not (tmp_path / "c2").exists()


def test_per_file_writes_one_docbin_per_input(tmp_path, jsonl, root):
    jsonl(
        tmp_path / "in" / "train.jsonl" if (tmp_path / "in").mkdir() is None else None,
        [row(*SENTENCES[0], "a"), row(*SENTENCES[1], "b")],
    )
    jsonl(tmp_path / "in" / "dev.jsonl", [row(*SENTENCES[2], "c")])
    report = convert([tmp_path / "in"], tmp_path / "out", config=root / "configs" / "ner.cfg", per_file=True)
    assert report.units == {"dev": 1, "train": 2}
    nlp = spacy.blank("vi")
    assert [e.text for e in docbin.read(tmp_path / "out" / "dev.spacy", nlp)] == [SENTENCES[2][0]]
    assert not (tmp_path / "out" / "test.spacy").exists()


def test_per_file_says_which_file_lost_repeats_and_can_keep_each_file_whole(tmp_path, jsonl, root, run_cli):
    (tmp_path / "in").mkdir()
    jsonl(tmp_path / "in" / "a_train.jsonl", [row(*SENTENCES[0], "a"), row(*SENTENCES[1], "b")])
    jsonl(tmp_path / "in" / "b_test.jsonl", [row(*SENTENCES[1], "t"), row(*SENTENCES[2], "u")])  # repeats a train unit
    config = root / "configs" / "ner.cfg"
    code, out = run_cli("convert", tmp_path / "in", "-o", tmp_path / "out", "--per-file", "-c", config)
    assert (
        code == 0
        and "1 repeated unit(s) skipped, same text as a unit read before (b_test.jsonl 1); --keep-whole" in out
    )
    code, out = run_cli(
        "convert", tmp_path / "in", "-o", tmp_path / "whole", "--per-file", "--keep-whole", "-c", config
    )
    assert code == 0 and "repeated" not in out, out
    nlp = spacy.blank("vi")
    assert [e.text for e in docbin.read(tmp_path / "whole" / "b_test.spacy", nlp)] == [SENTENCES[1][0], SENTENCES[2][0]]
    code, out = run_cli("convert", tmp_path / "in", "-o", tmp_path / "x", "--keep-whole", "-c", config)
    assert code == 1 and "--keep-whole keeps each input file's units whole: it goes with --per-file" in out


def test_large_outputs_are_sharded_folders_that_spacy_reads(gold, tmp_path, root):
    from spacy.training import Corpus

    out = tmp_path / "sharded"
    report = convert([gold], out, config=root / "configs" / "ner.cfg", shard_size=4, seed=3)
    train = out / "train.spacy"
    assert train.is_dir() and len(list(train.glob("*.spacy"))) == -(-report.units["train"] // 4)
    nlp = spacy.blank("vi")
    assert len(list(docbin.read(train, nlp))) == report.units["train"]
    assert len(list(Corpus(train)(nlp))) == report.units["train"]
    # converting again with a larger shard size replaces the folder by a file, atomically
    convert([gold], out, config=root / "configs" / "ner.cfg", seed=3)
    assert train.is_file() and len(list(docbin.read(train, nlp))) == report.units["train"]
    # and a file by a folder again
    convert([gold], out, config=root / "configs" / "ner.cfg", shard_size=4, seed=3)
    assert train.is_dir() and len(list(docbin.read(train, nlp))) == report.units["train"]
    assert sorted(p.name for p in out.iterdir()) == ["convert-report.json", "dev.spacy", "test.spacy", "train.spacy"]


def test_vidocbin_stores_what_spacys_docbin_stores():
    import numpy
    from spacy.tokens import DocBin
    from spacy.tokens import Span as SpacySpan

    nlp = spacy.blank("vi")
    docs = []
    for i, text in enumerate(
        ["Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội.", "Hội nghị APEC 2017 diễn ra tại Đà Nẵng.", ""]
    ):
        doc = nlp.make_doc(text)
        if len(doc) > 2:
            doc.ents = [SpacySpan(doc, 1, 2, label="PERSON")]
            doc[0].lemma_ = f"lemma{i}"
            doc[0].norm_ = "ÔNG"
            doc[0].tag_ = "N"
            doc[0].set_morph("Number=Sing")
            doc[1].set_morph("")
            doc[1].dep_ = "nsubj"
            doc[2].ent_kb_id_ = "Q1"
            doc.spans["sc"] = [SpacySpan(doc, 0, 2, label="CUSTOM", kb_id="Q2")]
            doc.cats = {"news": 1.0}
        doc.user_data["viner"] = {"id": f"u{i}", "meta": {"source": "s"}}
        docs.append(doc)
    ours, theirs = oracles_docbin.ViDocBin(), DocBin(store_user_data=True)
    for doc in docs:
        ours.add(doc)
        theirs.add(doc)
    ours_bytes = ours.to_bytes()  # strings are collected when the bin is serialised
    assert DocBin().from_bytes(ours_bytes).strings == DocBin().from_bytes(theirs.to_bytes()).strings
    assert all(numpy.array_equal(a, b) for a, b in zip(ours.tokens, theirs.tokens)) and len(ours.tokens) == len(
        theirs.tokens
    )
    assert all(numpy.array_equal(a, b) for a, b in zip(ours.spaces, theirs.spaces))
    assert ours.user_data == theirs.user_data and ours.span_groups == theirs.span_groups
    assert ours.flags == theirs.flags and ours.cats == theirs.cats

    def read(b):
        return [
            (
                d.to_json(),
                d.user_data,
                {k: [(s.start, s.end, s.label_, s.kb_id_) for s in g] for k, g in d.spans.items()},
            )
            for d in DocBin().from_bytes(b.to_bytes()).get_docs(spacy.blank("vi").vocab)
        ]

    assert read(ours) == read(theirs)


def test_gold_attrs_docbin_reads_back_like_spacys_full_docbin():
    """convert stores only ORTH, NORM, ENT_IOB, ENT_TYPE (+ spaces, user data): same docs for spaCy."""
    nlp = spacy.blank("vi")
    examples = [
        Example(
            "Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội.",
            (Span(4, 17, "PERSON"), Span(31, 39, "ORG"), Span(42, 48, "GPE")),
        ),
        Example("Hội nghị APEC 2017 diễn ra tại Đà Nẵng .  ", (Span(0, 18, "EVENT"), Span(31, 38, "GPE"))),
        Example("x", ()),
    ]
    ours, theirs = oracles_docbin.ViDocBin(docbin.GOLD_ATTRS), DocBin(store_user_data=True)
    for example in examples:
        doc = docbin.example_to_doc(nlp, example)
        ours.add(doc)
        theirs.add(doc)

    def read(data):
        return [
            (d.to_json(), d.user_data, [(e.start_char, e.end_char, e.label_) for e in d.ents])
            for d in DocBin().from_bytes(data).get_docs(spacy.blank("vi").vocab)
        ]

    assert read(ours.to_bytes()) == read(theirs.to_bytes())
    assert [docbin.doc_to_example(d) for d in DocBin().from_bytes(ours.to_bytes()).get_docs(nlp.vocab)] == examples


def test_convert_reads_its_input_once_so_a_pipe_works(tmp_path, root):
    """One pass over the input (validation and conversion together): a named pipe, readable once, converts."""
    import os
    import threading

    fifo = tmp_path / "gold.jsonl"
    os.mkfifo(fifo)
    rows = [
        json.dumps(row(f"{text} Bài {a}.", ents, f"a{a}"), ensure_ascii=False)
        for a in range(6)
        for text, ents in SENTENCES
    ]

    def feed():
        with fifo.open("w", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")

    outcome = {}

    def run():
        try:
            outcome["report"] = convert([fifo], tmp_path / "corpus", config=root / "configs" / "ner.cfg")
        except BaseException as err:
            outcome["error"] = err

    threading.Thread(target=feed, daemon=True).start()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "convert is waiting for a second reading of the pipe"
    assert "error" not in outcome, outcome.get("error")
    assert sum(outcome["report"].units.values()) == len(rows)


def test_memory_zones_every_few_units_change_nothing_in_the_output(root, tmp_path):
    """convert tokenises all but the first `vocab_block` units in memory zones (flat memory): same DocBins."""
    gold = root / "annotations" / "gold"
    convert([gold], tmp_path / "one", seed=3)
    convert([gold], tmp_path / "many", seed=3, vocab_block=7, block_size=5)
    nlp = spacy.blank("vi")
    for name in ("train", "dev", "test"):
        one = [(d.to_json(), d.user_data) for d in docbin.read_docs(tmp_path / "one" / f"{name}.spacy", nlp)]
        many = [(d.to_json(), d.user_data) for d in docbin.read_docs(tmp_path / "many" / f"{name}.spacy", nlp)]
        assert one == many and one


def test_a_failed_background_write_fails_convert_and_keeps_previous_outputs(gold, tmp_path, root, monkeypatch):
    import viner.convert.shards as shards

    out = tmp_path / "corpus"
    convert([gold], out, config=root / "configs" / "ner.cfg", shard_size=4)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def disk_full(data, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shards, "write_shard", disk_full)
    with pytest.raises(OSError, match="No space left"):
        convert([gold], out, config=root / "configs" / "ner.cfg", shard_size=4, seed=5)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
