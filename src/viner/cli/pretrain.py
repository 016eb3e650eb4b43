"""`viner pretrain`: the tok2vec pretrained on your own raw text (spaCy's `spacy pretrain`), resumable by epoch."""

from __future__ import annotations

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides

from ..errors import VinerError
from ..pretrain import WEIGHTS_FILE, pretrain
from ._util import Arg, Opt, app, msg


@app.command("pretrain", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def pretrain_cli(
    ctx: typer.Context,
    inputs: list[Path] = Arg(
        ...,
        help='Raw text: .txt articles, .jsonl (field "text"), .spacy DocBins, or folders of them',
        show_default=False,
    ),
    output: Path = Opt(
        Path("pretrain"),
        "--output",
        "-o",
        help="Folder for the weights (tok2vec.bin, model{N}.bin), raw.jsonl, log.jsonl and pretrain.json",
    ),
    config: Path = Opt(
        Path("configs/ner.cfg"),
        "--config",
        "-c",
        help="Training config whose tok2vec is pretrained (its [pretraining] block says how)",
    ),
    epochs: int = Opt(
        ...,
        "--epochs",
        "-e",
        help="Epochs to have done in OUTPUT when the command ends: a folder with fewer resumes at the next one",
        show_default=False,
    ),
    quiet: bool = Opt(False, "--quiet", "-q", help="Only a line per epoch, not spaCy's progress rows"),
) -> None:
    """Pretrain the config's tok2vec on raw text, one epoch at a time, so that `spacy train`
    starts from it: `--paths.init_tok2vec OUTPUT/tok2vec.bin`. Each finished epoch is saved
    (atomically) and recorded in OUTPUT/pretrain.json; running the command again with the same
    OUTPUT and a higher --epochs resumes where it stopped, so a long run can be split into
    steps. It refuses to resume on other raw text or another config.

    Extra options are config overrides as in `spacy pretrain`, e.g. `--paths.vectors corpus/vectors`.
    """
    # the variadic argument also takes the overrides (`--paths.vectors DIR`): they start at the first `--`
    words = [str(path) for path in inputs] + list(ctx.args)
    first = next((i for i, word in enumerate(words) if word.startswith("--")), len(words))
    inputs, overrides = [Path(word) for word in words[:first]], parse_config_overrides(words[first:])
    if not inputs:
        raise VinerError("no raw text given: name .txt, .jsonl or .spacy files or folders before the config overrides")

    def show(epoch: int, seconds: float) -> None:
        msg.good(f"epoch {epoch + 1}/{epochs} done in {seconds / 60:.1f} min -> {output / f'model{epoch}.bin'}")

    state = pretrain(inputs, output, config, epochs, overrides=overrides, on_epoch=show, silent=quiet)
    if state.raw_duplicates:
        msg.info(f"{state.raw_duplicates:,} paragraph(s) left out of the raw text: the same text came earlier")
    msg.good(
        f"{state.epochs_done} epoch(s) over {state.raw_texts:,} texts: train with "
        f"`python -m spacy train {config} --paths.init_tok2vec {output / WEIGHTS_FILE}`"
    )
