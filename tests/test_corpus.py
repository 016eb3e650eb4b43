import json
import unicodedata

import pytest

from viner.corpus import build_corpus, build_units, split_sentences
from viner.errors import InvalidInput, VinerError
from viner.record import unit_id

ARTICLE = (
    "Tổng thống Nga Vladimir Putin sẽ thăm Trung Quốc.\n"
    "\n"
    "Chủ tịch Trung Quốc Tập Cận Bình và Tổng thống Nga Vladimir Putin. (Ảnh: NHK)\n"
    "Ông Putin gặp ông Tập tại St. Petersburg. Hai bên thảo luận về SCO.\n"
    "0\n"
    "Tối đa: 1500 ký tự\n"
    "Hiện chưa có bình luận nào, hãy là người đầu tiên bình luận\n"
    "https://vtcnews.vn/ong-putin-ar881127.html\n"
)


def units(tmp_path, text=ARTICLE, name="a.txt", raw=None, **kwargs):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    return list(build_units([path], **kwargs))


def test_cleaning_removes_boilerplate_and_keeps_source_url(tmp_path):
    result = units(tmp_path)
    texts = [u.text for u in result]
    assert texts == [
        "Tổng thống Nga Vladimir Putin sẽ thăm Trung Quốc.",
        "Chủ tịch Trung Quốc Tập Cận Bình và Tổng thống Nga Vladimir Putin. (Ảnh: NHK)",
        "Ông Putin gặp ông Tập tại St. Petersburg. Hai bên thảo luận về SCO.",
    ]
    assert all(u.meta["source_url"] == "https://vtcnews.vn/ong-putin-ar881127.html" for u in result)
    assert result[1].meta["caption"] is True and "caption" not in result[0].meta
    assert [u.meta["position"] for u in result] == [0, 1, 2]
    assert [u.meta["line"] for u in result] == [1, 3, 4]
    assert all(u.meta["unit_id"] == u.id == unit_id(u.text) for u in result)


def test_drop_captions(tmp_path):
    assert len(units(tmp_path, drop_captions=True)) == 2


def test_bom_crlf_and_nfd_are_normalised(tmp_path):
    nfd = unicodedata.normalize("NFD", ARTICLE).replace("\n", "\r\n")
    result = units(tmp_path, raw=b"\xef\xbb\xbf" + nfd.encode("utf-8"))
    assert [u.text for u in result] == [u.text for u in units(tmp_path, name="b.txt")]
    assert all(unicodedata.is_normalized("NFC", u.text) for u in result)


def test_not_utf8_names_the_file_and_encoding_option_reads_it(tmp_path):
    raw = "Hà Nội và Bắc Kinh".encode("utf-16")
    with pytest.raises(VinerError) as err:
        units(tmp_path, raw=raw)
    assert "a.txt" in str(err.value) and "--encoding" in str(err.value)
    assert [u.text for u in units(tmp_path, raw=raw, encoding="utf-16")] == ["Hà Nội và Bắc Kinh"]


def test_exact_duplicates_are_dropped_and_counted(tmp_path):
    (tmp_path / "one.txt").write_text("Nga và Trung Quốc.\nNga và Trung Quốc.\nMỹ.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Nga và Trung Quốc.", encoding="utf-8")
    stats = build_corpus([tmp_path], tmp_path / "out" / "docs.jsonl")
    assert (stats.files, stats.articles, stats.units, stats.duplicates) == (2, 2, 2, 2)
    rows = [json.loads(line) for line in (tmp_path / "out" / "docs.jsonl").read_text("utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["Nga và Trung Quốc.", "Mỹ."]
    assert rows[0]["meta"]["source"] == "one.txt" and rows[0]["label"] == []


def test_sentence_and_document_units(tmp_path):
    sentences = [u.text for u in units(tmp_path, unit="sentence")]
    assert "Ông Putin gặp ông Tập tại St. Petersburg." in sentences
    assert "Hai bên thảo luận về SCO." in sentences
    document = units(tmp_path, unit="document")
    assert len(document) == 1 and document[0].text.count("\n") == 2


def test_split_sentences_keeps_abbreviations_and_initials():
    assert split_sentences("TP. Hồ Chí Minh lớn. Hà Nội đẹp! Ông J. Smith đến?") == [
        "TP. Hồ Chí Minh lớn.",
        "Hà Nội đẹp!",
        "Ông J. Smith đến?",
    ]


def test_jsonl_articles_keep_their_fields_and_bad_rows_are_reported(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(
        json.dumps({"text": "Nga.\nTrung Quốc.", "id": 7, "url": "u"}, ensure_ascii=False)
        + "\n{oops\n"
        + json.dumps({"title": "x"})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        list(build_units([path]))
    assert "articles.jsonl:2" in str(err.value)
    from viner.corpus import CorpusStats

    stats = CorpusStats()
    result = list(build_units([path], skip_invalid=True, stats=stats))
    assert [u.text for u in result] == ["Nga.", "Trung Quốc."]
    assert result[0].meta["source"] == "articles.jsonl:1" and result[0].meta["article_id"] == 7
    assert [(p.line, p.field) for p in stats.skipped] == [(2, None), (3, "text")]


def test_missing_input_and_empty_folder(tmp_path):
    with pytest.raises(VinerError, match="no such file"):
        list(build_units([tmp_path / "nope"]))
    with pytest.raises(VinerError, match="no .txt or .jsonl files"):
        list(build_units([tmp_path]))


def test_cli_build_prints_summary(tmp_path, run_cli):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    code, out = run_cli("corpus", "build", tmp_path / "a.txt", "-o", tmp_path / "docs.jsonl")
    assert code == 0
    assert "units (paragraph)" in out and "1 comment widget" not in out and "2 comment widget" in out
    assert (tmp_path / "docs.jsonl").exists()


def test_seed_corpus_builds(root):
    result = list(build_units([root / "corpus" / "raw"]))
    assert len(result) > 50
    assert all(unicodedata.is_normalized("NFC", u.text) for u in result)
    assert not any(u.text.startswith("http") or u.text.startswith("Tối đa") for u in result)
