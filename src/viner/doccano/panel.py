"""What Doccano's Metadata panel shows for a unit, and how pull gets the unit's exact metadata back from it.

Doccano 1.8.4 shows *every* key of an example's metadata in the annotation page's Metadata panel, a two-column
table in the right sidebar (its ``ListMetadata`` component; a key containing ``url`` becomes a link). There is no
hidden field that import, the API and export all carry, so viner puts only what helps an annotator there:

- the unit's own fields (``source``, ``position``, ``line``...), one row each, each as readable as the panel
  allows: a value with a run of more than :data:`RUN` characters the browser cannot break (a path, a file name,
  an address) gets invisible break opportunities (U+200B after ``/``, ``_``, ``.``...), so it wraps instead of
  being cut at the panel's edge at 1,366 px, and so does a long key (the key column takes the value's room); an
  address too long to fit is shown as text under ``<key with "url" replaced by "address">`` (a link's target
  cannot hold those marks); lists and objects are shown as JSON;
- ``unit_id`` (the idempotency key of a re-push) and, for a unit chosen by ``--select uncertain``, why: its
  uncertainty and rank (``why chosen``).

viner's own bookkeeping stays out of the panel: whom a push gave suggestions is in the lead's push ledger
(viner.doccano.ledger). Older pushes wrote it here as :data:`SUGGESTED_KEY`; the next push moves it out, and pull
drops it from a unit's metadata.

:func:`restore` undoes the display (drops the marks, maps the address back, decodes JSON) and drops what push
added. When that would not give the unit's metadata back exactly (a key that clashes with push's, a value that
contains U+200B, a review unit's versions), the exact metadata also travels as one JSON string,
:data:`META_KEY`, and pull uses that (as for every unit pushed before this display).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

META_KEY = "viner_meta"  # the unit's exact metadata as JSON, only when the panel's fields cannot give it back
SUGGESTED_KEY = "viner_suggested"  # whom a push before the ledger gave suggestions on the unit ("alice, bob")
UNCERTAINTY_KEY = "why chosen"  # shown for units chosen by --select uncertain (a key that wraps: two words)
REVIEW_SHOWN = ("version: ", "disputed")  # a review unit's readable versions (key prefixes)
PUSHED_KEYS = frozenset((META_KEY, SUGGESTED_KEY, UNCERTAINTY_KEY))  # what push adds beside the unit's own fields
MARK = "\u200b"  # zero-width space: a line-break opportunity the reader does not see
RENAMED = "\u2060"  # word joiner (invisible) ending a key push renamed, so pull renames only those back
RUN = 12  # characters without a break opportunity that fit the panel's value column at 1,366 px (14 px Roboto)
_UNBROKEN = re.compile(r"[^\s\-]{" + str(RUN + 1) + ",}")
_AFTER = re.compile(r"([/_.?&=:,;@+])")


def is_link_key(key: str) -> bool:
    """Whether Doccano shows the key's value as a link (``url`` in the key, not an image's ``im_url``)."""
    return "url" in key and "im_url" not in key


def breakable(text: str) -> str:
    """``text`` with a break opportunity after separators inside runs too long for the panel, and every RUN
    characters in a run that has none."""

    def split(match: re.Match[str]) -> str:
        parts = _AFTER.sub(lambda m: m.group(1) + MARK, match.group(0))
        pieces = []
        for piece in parts.split(MARK):
            pieces.append(
                MARK.join(piece[i : i + RUN] for i in range(0, len(piece), RUN)) if len(piece) > RUN else piece
            )
        return MARK.join(pieces)

    return _UNBROKEN.sub(split, text)


def shown_value(value: Any) -> Any:
    """A meta value as the panel shows it (before break marks): scalars as they are, anything else as JSON."""
    if isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def panel_fields(meta: Mapping[str, Any], unit_id: str, extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Metadata panel's rows for a unit: ``unit_id``, its own fields made readable, then ``extra`` (push's)."""
    fields: dict[str, Any] = {"unit_id": unit_id}
    for key, value in meta.items():
        if key == "unit_id":
            continue
        shown = shown_value(value)
        if isinstance(shown, str) and _UNBROKEN.search(shown):
            if is_link_key(key):
                key = key.replace("url", "address") + RENAMED
            shown = breakable(shown)
        fields.setdefault(_AFTER.sub(lambda m: m.group(1) + MARK, key) if len(key) > RUN // 2 else key, shown)
    for key, value in (extra or {}).items():
        fields.setdefault(key, value)
    return fields


def restore(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The unit's metadata from the panel's fields (see the module docstring); exact when push sent no META_KEY."""
    packed = fields.get(META_KEY)
    if isinstance(packed, str):
        try:
            exact = json.loads(packed)
        except json.JSONDecodeError:
            exact = None
        if isinstance(exact, dict):
            return exact
    meta: dict[str, Any] = {}
    for key, value in fields.items():
        if key in PUSHED_KEYS or key.startswith(REVIEW_SHOWN) or key == "unit_id":
            continue
        key = key.replace(MARK, "")
        if isinstance(value, str):
            value = value.replace(MARK, "")
            if key.endswith(RENAMED):
                key = key[: -len(RENAMED)].replace("address", "url")
            if value[:1] in "[{" or value == "null":
                try:
                    decoded = json.loads(value)
                except json.JSONDecodeError:
                    decoded = value
                if decoded is None or isinstance(decoded, (list, dict)):
                    value = decoded
        meta[key] = value
    return meta


def doccano_meta(
    meta: Mapping[str, Any], unit_id: str, extra: Mapping[str, str] | None = None, hidden: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What push stores as a unit's Doccano metadata: the panel's fields (without the ``hidden`` keys, which
    ``extra`` shows some other way), plus META_KEY when they cannot give ``meta`` back exactly."""
    own = {k: v for k, v in meta.items() if k != "unit_id"}
    fields = panel_fields({k: v for k, v in own.items() if k not in hidden}, unit_id, extra)
    if restore(fields) != own:
        fields[META_KEY] = json.dumps(own, ensure_ascii=False, sort_keys=True)
    return fields
