"""Guidelines unwrapped for Doccano's dialog: paragraphs joined, every line that means something kept."""

from __future__ import annotations

from viner.doccano.guideline_text import unwrap

SOURCE = """# Title
Intro line one
continues here.

Second paragraph,
wrapped twice,
ends here.
Setext heading
--------------

- item one
  wraps on.
- item two
  1. nested item
     wrapped.

> a quote
> that wraps.

| a | b |
|---|---|
| 1 | 2 |

```python
def f():
    return 1
```

    indented code
    kept as is

Hard break at the end{BREAK}
next line.
Backslash break\\
next one.
<div>html</div>
***
Last
words.""".format(BREAK="  ")

EXPECTED = """# Title
Intro line one continues here.

Second paragraph, wrapped twice, ends here. Setext heading
--------------

- item one wraps on.
- item two
  1. nested item wrapped.

> a quote that wraps.

| a | b |
|---|---|
| 1 | 2 |

```python
def f():
    return 1
```

    indented code
    kept as is

Hard break at the end{BREAK}
next line. Backslash break\\
next one.
<div>html</div>
***
Last words.""".format(BREAK="  ")


def test_paragraphs_lists_and_quotes_are_joined_the_rest_kept():
    assert unwrap(SOURCE) == EXPECTED


def test_unwrapping_is_idempotent_and_keeps_every_word():
    once = unwrap(SOURCE)
    assert unwrap(once) == once
    words = [word for word in once.split() if word != ">"]
    assert words == [word for word in SOURCE.split() if word != ">"]  # only line breaks and quote marks go


def test_the_projects_guidelines_lose_only_line_breaks(root):
    text = (root / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    unwrapped = unwrap(text)
    assert unwrapped.split() == text.split() and len(unwrapped.splitlines()) < len(text.splitlines())
    assert "It says what to mark, where a span starts and ends, and how to decide the cases" in unwrapped
    assert [line for line in text.splitlines() if line.startswith("#")] == [
        line for line in unwrapped.splitlines() if line.startswith("#")
    ]
