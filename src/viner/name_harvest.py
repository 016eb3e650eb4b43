"""Names harvested from raw text: the contexts that announce a label, learned from the gold, read in raw text.

Vietnamese news announces most names with a lower-case word before them: ``ông Lâm`` (a person), ``tỉnh Quảng
Trị`` (a province), ``hãng Samsung`` (a company). The gold shows which words do it for which label: a
**trigger** is a lower-case word (or two) that, in the gold, is followed by an entity of one label in at least
``min_trigger_precision`` of the times it is followed by a capitalised syllable, and at least
``min_trigger_count`` times. Read over raw text, every run of capitalised syllables (up to ``MAX_NAME``)
right after a trigger is a candidate name of the trigger's label; a candidate becomes a **name** when it was
seen at least ``min_count`` times and at least ``min_share`` of its sightings agree on the label.

So a team's raw text (what it pretrains or trains vectors on) gives the model names its few thousand annotated
sentences never show: the ``viner_names`` component matches them as a token feature. Nothing here is
specific to the news labels: the triggers come from whatever the gold labels.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import VinerError
from .io import write_json
from .patterns.make import read_gold
from .patterns.ruler import write_patterns
from .record import Example
from .vectors import iter_texts

MAX_NAME = 6
MAX_TRIGGER = 2
TOKEN = re.compile(r"\w+(?:[.&'’-]\w+)*|[^\w\s]")


def tokens(text: str) -> list[tuple[int, int]]:
    """Syllables and punctuation marks of ``text`` as ``(start, end)`` offsets."""
    return [(m.start(), m.end()) for m in TOKEN.finditer(text)]


def is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def is_trigger_word(word: str) -> bool:
    return word[:1].isalpha() and word.islower()


@dataclass
class Trigger:
    words: tuple[str, ...]
    label: str
    count: int
    precision: float


@dataclass
class Harvest:
    triggers: list[Trigger]
    names: dict[str, str]
    sightings: dict[str, Counter] = field(default_factory=dict)
    lines: int = 0

    def by_label(self) -> Counter:
        return Counter(self.names.values())


def learn_triggers(examples: Iterable[Example], *, min_count: int = 5, min_precision: float = 0.8) -> list[Trigger]:
    """Lower-case words that, in the gold, are followed by an entity of one label (see the module docstring)."""
    before_name: dict[tuple[str, ...], Counter] = defaultdict(Counter)  # trigger -> label of the entity after it
    before_capital: Counter = Counter()  # trigger -> times a capitalised syllable follows it
    for example in examples:
        text = unicodedata.normalize("NFC", example.text)
        offsets = tokens(text)
        words = [text[s:e] for s, e in offsets]
        starts = {span.start: span.label for span in example.spans}
        for i, (start, _) in enumerate(offsets):
            if not is_capitalised(words[i]):
                continue
            for n in range(1, MAX_TRIGGER + 1):
                if i - n < 0 or not all(is_trigger_word(w) for w in words[i - n : i]):
                    break
                key = tuple(w.lower() for w in words[i - n : i])
                before_capital[key] += 1
                if start in starts:
                    before_name[key][starts[start]] += 1
    triggers = []
    for key, labels in before_name.items():
        label, count = labels.most_common(1)[0]
        precision = count / before_capital[key]
        if count >= min_count and precision >= min_precision:
            triggers.append(Trigger(key, label, count, round(precision, 4)))
    return sorted(triggers, key=lambda t: (t.label, -t.count, t.words))


def harvest(
    lines: Iterable[str],
    triggers: Sequence[Trigger],
    *,
    min_count: int = 3,
    min_share: float = 0.8,
) -> Harvest:
    """Names after the ``triggers`` in raw ``lines`` (see the module docstring)."""
    by_words = {t.words: t.label for t in triggers}
    sightings: dict[str, Counter] = defaultdict(Counter)
    n_lines = 0
    for line in lines:
        n_lines += 1
        text = unicodedata.normalize("NFC", line)
        offsets = tokens(text)
        words = [text[s:e] for s, e in offsets]
        lowered = [w.lower() for w in words]
        i = 0
        while i < len(words):
            label = None
            for n in range(MAX_TRIGGER, 0, -1):
                if i >= n - 1 and is_trigger_word(words[i]) and tuple(lowered[i - n + 1 : i + 1]) in by_words:
                    label = by_words[tuple(lowered[i - n + 1 : i + 1])]
                    break
            end = i + 1
            while label and end < len(words) and end - i <= MAX_NAME and is_capitalised(words[end]):
                end += 1
            if label and end > i + 1:
                sightings[text[offsets[i + 1][0] : offsets[end - 1][1]]][label] += 1
            i += 1
    names = {}
    for name, labels in sightings.items():
        label, count = labels.most_common(1)[0]
        if count >= min_count and count / sum(labels.values()) >= min_share:
            names[name] = label
    return Harvest(list(triggers), dict(sorted(names.items())), dict(sightings), n_lines)


def harvest_names(
    raw: Sequence[Path | str],
    gold: Sequence[Path | str],
    output: Path | str,
    *,
    labels: Sequence[str] | None,
    min_count: int = 3,
    min_share: float = 0.8,
    min_trigger_count: int = 5,
    min_trigger_precision: float = 0.8,
    report: Path | str | None = None,
) -> Harvest:
    """Learn triggers from the ``gold``, harvest names from the ``raw`` text, write them as patterns (atomically)."""
    for value, option in ((min_share, "--min-share"), (min_trigger_precision, "--min-trigger-precision")):
        if not 0.0 < value <= 1.0:
            raise VinerError(f"{option} {value}: give a number above 0, at most 1")
    for value, option in ((min_count, "--min-count"), (min_trigger_count, "--min-trigger-count")):
        if value < 1:
            raise VinerError(f"{option} {value}: give at least 1")
    triggers = learn_triggers(read_gold(gold, labels), min_count=min_trigger_count, min_precision=min_trigger_precision)
    if not triggers:
        raise VinerError(
            f"no word in the gold announces a label often enough (--min-trigger-count {min_trigger_count}, "
            f"--min-trigger-precision {min_trigger_precision}): annotate more, or lower them"
        )
    result = harvest(iter_texts(raw), triggers, min_count=min_count, min_share=min_share)
    if not result.names:
        raise VinerError(
            f"no name was seen --min-count {min_count} times after the triggers in {', '.join(map(str, raw))}: "
            "give more raw text, or lower --min-count; nothing was written"
        )
    write_patterns([{"label": label, "pattern": name, "id": "names"} for name, label in result.names.items()], output)
    if report is not None:
        write_json(
            {
                "lines": result.lines,
                "triggers": [
                    {"words": " ".join(t.words), "label": t.label, "count": t.count, "precision": t.precision}
                    for t in triggers
                ],
                "names": [
                    {"name": name, "label": label, "seen": dict(result.sightings[name])}
                    for name, label in result.names.items()
                ],
            },
            report,
        )
    return result
