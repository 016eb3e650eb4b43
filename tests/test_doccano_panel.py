"""What Doccano's Metadata panel shows for a unit, and pull getting the unit's metadata back from it exactly."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from viner.doccano.panel import MARK, META_KEY, RENAMED, RUN, doccano_meta, panel_fields, restore
from viner.doccano.pull import unit_meta
from viner.doccano.push_plan import uncertainty_rows
from viner.doccano.units import PROJECT_META_KEYS
from viner.record import Example
from viner.selection import Selection

LONG_PATH = "corpus/raw/tin_tuc_2024/thoi_su/bai_viet_ngoai_giao_000123.txt"
LONG_URL = "https://example.vn/tin-tuc/thoi-su/2024/12/05/mot-bai-viet-rat-dai-ve-ngoai-giao-so-000123.html"


def runs(text: str) -> list[str]:
    """The stretches a browser cannot break: between spaces, hyphens and break marks."""
    return [r for r in text.replace("-", " ").replace(MARK, " ").split() if r]


def test_long_values_can_wrap_and_an_address_is_not_a_broken_link():
    fields = doccano_meta({"source": LONG_PATH, "position": 3, "line": 17, "source_url": LONG_URL}, "7c93fbc7fa9aa92e")
    assert META_KEY not in fields  # nothing repeated as escaped JSON
    assert fields["unit_id"] == "7c93fbc7fa9aa92e" and (fields["position"], fields["line"]) == (3, 17)
    assert fields["source"].replace(MARK, "") == LONG_PATH and max(map(len, runs(fields["source"]))) <= RUN
    # Doccano links any key with "url" in it: a link's target with break marks would lead nowhere
    assert "source_url" not in fields and fields[f"source_{MARK}address{RENAMED}"].replace(MARK, "") == LONG_URL
    assert max(map(len, runs(fields[f"source_{MARK}address{RENAMED}"]))) <= RUN
    short = doccano_meta({"source_url": "http://a.vn/"}, "u")
    assert short[f"source_{MARK}url"] == "http://a.vn/"  # fits: stays a link ("url" in its key)
    assert unit_meta(fields, fields) == {"source": LONG_PATH, "position": 3, "line": 17, "source_url": LONG_URL}


def test_a_foreign_units_keys_come_back_as_they_are():
    assert restore({"address": "12 Tràng Tiền", "source_address": "x", "unit_id": "u"}) == {
        "address": "12 Tràng Tiền",
        "source_address": "x",
    }


def test_what_the_panel_cannot_give_back_travels_exactly():
    clash = {"address": "12 Tràng Tiền, Hoàn Kiếm, Hà Nội, số nhà rất dài_abcdefghijklmnop", "why chosen": "x"}
    fields = doccano_meta(clash, "u", {"why chosen": "uncertainty 0.900: rank 1 of 1 (least sure first)"})
    assert json.loads(fields[META_KEY]) == clash and unit_meta(fields, fields) == clash
    marked = {"note": f"a{MARK}b"}
    assert unit_meta(doccano_meta(marked, "u"), doccano_meta(marked, "u")) == marked


def test_a_unit_chosen_as_uncertain_shows_why():
    chosen = Selection([Example("a", id="x"), Example("b", id="y")], 10, 0, {"x": 0.91, "y": 0.42})
    rows = uncertainty_rows(chosen)
    assert rows == {
        "x": {"why chosen": "uncertainty 0.910: rank 1 of 2 (least sure first)"},
        "y": {"why chosen": "uncertainty 0.420: rank 2 of 2 (least sure first)"},
    }
    fields = panel_fields({"source": "a.txt"}, "x", rows["x"])
    assert list(fields) == ["unit_id", "source", "why chosen"]
    assert unit_meta(fields, fields) == {"source": "a.txt"}  # push's row, not the unit's


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False), st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["source", "source_url", "address", "why chosen", "url", "unit_id", "version: a"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys.filter(lambda k: k not in PROJECT_META_KEYS), values, max_size=6))
def test_pull_gets_any_metadata_back_exactly(meta):
    """Any metadata a unit brings (but the project's own keys, which push never uploads) comes back as it went."""
    fields = json.loads(json.dumps(doccano_meta(meta, "u")))  # as Doccano stores and lists it (JSON)
    own = {k: v for k, v in meta.items() if k != "unit_id"}
    assert unit_meta(fields, fields) == json.loads(json.dumps(own))
