"""io.iter_json_lines (json's answers for every line, with file and line for what is not JSON) and convert's fewer_gc_passes."""

import gc
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viner.convert.run import fewer_gc_passes
from viner.errors import VinerError
from viner.formats import doccano_jsonl
from viner.io import NotJSON, iter_json_lines


def lines_of(tmp_path, data: bytes):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(data)
    return list(iter_json_lines(path))


def test_values_come_back_as_json_gives_them(tmp_path):
    rows = [
        b'{"text": "Nga", "label": [[0, 3, "GPE"]]}',
        b'{"big": 123456789012345678901234567890, "neg": -9999999999999999999, "u64": 18446744073709551615}',
        b'{"x": NaN, "y": Infinity, "z": 1e400}',  # json reads these; orjson refuses them
        b'{"s": "\\ud800"}',  # a lone surrogate: json keeps it
        b'{"a": 1, "a": 2}',
        b"[1.5, -0, 0.1]",
    ]
    got = lines_of(tmp_path, b"\n".join(rows) + b"\n")
    for (_number, value), raw in zip(got, rows):
        expected = json.loads(raw)
        assert repr(value) == repr(expected)  # repr: type-exact (an int stays an int), NaN compares
    assert [number for number, _ in got] == list(range(1, len(rows) + 1))
    assert type(got[1][1]["big"]) is int and got[1][1]["big"] == 123456789012345678901234567890


def test_bom_crlf_blank_lines_and_line_numbers(tmp_path):
    got = lines_of(tmp_path, b'\xef\xbb\xbf{"a": 1}\r\n\r\n   \n{"b": 2}\r\n{"c": "\xe1\xbb\x87t"}')
    assert got == [(1, {"a": 1}), (4, {"b": 2}), (5, {"c": "ệt"})]


def test_a_line_that_is_not_json_is_named_with_json_reason(tmp_path):
    got = lines_of(tmp_path, b'{"a": 1}\n{"a": \n{"t": "a\tb"}\n')
    assert got[0] == (1, {"a": 1})
    assert got[1] == (2, NotJSON('{"a": ', "Expecting value at column 7"))
    assert got[2][0] == 3 and type(got[2][1]) is NotJSON and "control character" in got[2][1].reason


def test_a_byte_that_is_not_utf8_names_its_line(tmp_path):
    with pytest.raises(VinerError, match=r"rows\.jsonl:2: not valid utf-8 \(byte 7"):
        lines_of(tmp_path, b'{"a": 1}\n{"a": "\xff"}\n')


def test_doccano_reader_reports_bad_lines_as_before(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b'{"text": "Putin", "label": [[0, 5, "PERSON"]]}\nB-PER\tPutin\n{"text": 5}\n')
    problems = []
    examples = list(doccano_jsonl.read_located(path, on_problem=problems.append))
    assert [(line, e.text) for line, e in examples] == [(1, "Putin")]
    assert [(p.line, p.message) for p in problems] == [
        (2, "not JSON: this looks like CoNLL/IOB text; convert it with `viner import-conll`"),
        (3, "must be a string, got int"),
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=5))
def test_any_json_value_reads_back_as_json_loads_gives_it(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("j") / "v.jsonl"
    lines = [json.dumps(v, ensure_ascii=bool(i % 2)) for i, v in enumerate(values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = list(iter_json_lines(path))
    assert [n for n, _ in got] == list(range(1, len(values) + 1))
    assert [repr(v) for _, v in got] == [repr(json.loads(line)) for line in lines]


def test_fewer_gc_passes_raises_the_threshold_and_restores_it():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(RuntimeError), fewer_gc_passes(5000):
            assert gc.get_threshold() == (5000, 10, 10)
            raise RuntimeError
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(0, 10, 10)  # collection off stays off
        with fewer_gc_passes(5000):
            assert gc.get_threshold()[0] == 0
        gc.set_threshold(20000, 10, 10)  # never more often than it was set to
        with fewer_gc_passes(5000):
            assert gc.get_threshold()[0] == 20000
    finally:
        gc.set_threshold(*before)
