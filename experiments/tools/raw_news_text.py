"""Raw Vietnamese news text for the vectors rows of rounds/round-2.md and round-3.md (a stand-in for a team's own raw corpus).

Reads the word-segmented news articles of the public repository undertheseanlp/word_embeddings
(commit 1b5b734b946cf6490439788f6291b5dee838b3fa, folder corpus/corpus.vinews.segmented: one word per
line, blank line between paragraphs) from a local git copy, joins each paragraph's words with spaces
(a multi-syllable word already has spaces between its syllables), normalises to NFC, and drops every
paragraph that shares a run of 6 syllables with a sentence of any held-out file (VLSP 2016 dev and test), so
no evaluation text reaches the vectors or the pretrained tok2vec. Writes one paragraph per line. The output is
external data: keep it under assets/ (git-ignored).

    python tools/raw_news_text.py GIT_DIR assets/vlsp2016/dev.txt assets/vlsp2016/test.txt assets/news.txt
    # news + Vietnamese Wikipedia (the `syllable-vectors-newswiki` row):
    python tools/raw_news_text.py GIT_DIR assets/vlsp2016/dev.txt assets/vlsp2016/test.txt assets/news-wiki.txt \
        --folder corpus/corpus.vinews.segmented --folder corpus/corpus.viwiki.segmented
"""

from __future__ import annotations

import argparse
import re
import subprocess
import unicodedata
from pathlib import Path

COMMIT = "1b5b734b946cf6490439788f6291b5dee838b3fa"
FOLDER = "corpus/corpus.vinews.segmented"
NGRAM = 6


def held_out_ngrams(conll: Path, n: int = NGRAM) -> set[tuple[str, ...]]:
    """Every run of ``n`` lower-cased syllables of a CoNLL file's sentences (a word's ``_`` joins syllables)."""
    grams: set[tuple[str, ...]] = set()
    sentence: list[str] = []
    for line in [*conll.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            sentence.extend(s.lower() for s in line.split()[0].split("_"))
            continue
        grams.update(tuple(sentence[i : i + n]) for i in range(len(sentence) - n + 1))
        sentence = []
    return grams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("git_dir", help="git directory of undertheseanlp/word_embeddings (e.g. from `fetch`)")
    parser.add_argument(
        "held_out",
        type=Path,
        nargs="+",
        help="held-out CoNLL files (VLSP 2016 dev.txt, test.txt): their text is kept out",
    )
    parser.add_argument("output", type=Path)
    parser.add_argument("--folder", action="append", help=f"folder(s) of the repository to read (default {FOLDER})")
    args = parser.parse_args()
    git = ["git", f"--git-dir={args.git_dir}"]
    blobs = []
    for folder in args.folder or [FOLDER]:
        listing = subprocess.run(
            [*git, "ls-tree", "-r", "-z", COMMIT, folder], capture_output=True, text=True, check=True
        ).stdout
        blobs += [entry.split("\t", 1)[0].split()[2] for entry in listing.split("\0") if entry]
    banned: set[tuple[str, ...]] = set()
    for held_out in args.held_out:
        banned |= held_out_ngrams(held_out)
    kept = dropped = syllables = 0
    reader = subprocess.Popen([*git, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    tmp = args.output.with_name(args.output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for blob in blobs:
            reader.stdin.write(f"{blob}\n".encode())
            reader.stdin.flush()
            size = int(reader.stdout.readline().split()[2])
            text = unicodedata.normalize("NFC", reader.stdout.read(size).decode("utf-8", "replace"))
            reader.stdout.read(1)
            for paragraph in re.split(r"\n\s*\n", text):
                words = [w.strip() for w in paragraph.split("\n") if w.strip()]
                if len(words) < 5:
                    continue
                line = " ".join(words)
                tokens = line.lower().split()
                if any(tuple(tokens[i : i + NGRAM]) in banned for i in range(len(tokens) - NGRAM + 1)):
                    dropped += 1
                    continue
                out.write(line + "\n")
                kept += 1
                syllables += len(tokens)
    reader.stdin.close()
    reader.wait()
    tmp.replace(args.output)
    print(
        f"{len(blobs)} files: {kept} paragraphs kept ({syllables} syllables), {dropped} dropped for sharing {NGRAM} syllables with "
        f"{', '.join(str(p) for p in args.held_out)} -> {args.output}"
    )


if __name__ == "__main__":
    main()
