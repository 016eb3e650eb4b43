"""Fine-tune a Hugging Face token-classification model on `viner export --format hf` output, and tag a split.

For a machine with a GPU and access to the model hub (docs/transformers.md); it does not import viner:

    pip install "transformers>=4.41" "datasets>=2.19" "accelerate>=0.26" torch
    python finetune_hf.py exports/hf --model xlm-roberta-base --train train --dev dev --predict dev -o exports/xlmr

writes the model to ``OUT/model`` and, for each ``--predict`` split, ``OUT/SPLIT.tags.jsonl``: one unit a line,
``{"id", "text", "tokens", "tags"}``, the tag of each exported word being the one predicted for its first
piece (the pieces after it were not trained: label -100). `experiments/tools/hf_predictions.py` turns those
into Doccano JSONL spans for `viner evaluate`. Words past the model's length (512 pieces) are tagged O and
counted. The tagging speed (exported words per second, batches of 64 units, pieces to tags) is printed for
`viner evaluate --words-per-second`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from datasets import load_from_disk
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)

MAX_PIECES = 512


def encode(tokenizer, words: list[str], tags: list[int] | None = None) -> dict:
    """Input ids of one unit, word by word (works with slow tokenizers such as PhoBERT's): the first piece of
    each word carries its tag, the others -100; ``first`` is the index of each word's first piece."""
    ids, labels, first = [tokenizer.cls_token_id], [-100], []
    for i, word in enumerate(words):
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"] or [tokenizer.unk_token_id]
        if len(ids) + len(pieces) >= MAX_PIECES:
            break
        first.append(len(ids))
        ids += pieces
        labels += [tags[i] if tags is not None else 0] + [-100] * (len(pieces) - 1)
    ids.append(tokenizer.sep_token_id)
    labels.append(-100)
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels, "first": first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="the DatasetDict folder written by `viner export --format hf`")
    parser.add_argument("--model", default="xlm-roberta-base", help="a token-classification base model on the hub")
    parser.add_argument("--train", default="train")
    parser.add_argument("--dev", default="dev")
    parser.add_argument("--predict", nargs="+", default=["dev"], help="splits to tag after training")
    parser.add_argument("--epochs", type=float, default=5)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    out = Path(args.output)

    data = load_from_disk(args.dataset)
    names = data[args.train].features["ner_tags"].feature.names  # O, B-PERSON, I-PERSON, ... (same in every split)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForTokenClassification.from_pretrained(
        args.model,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
    )

    def prepare(split):
        rows = [encode(tokenizer, r["tokens"], r["ner_tags"]) for r in data[split]]
        return [{k: v for k, v in r.items() if k != "first"} for r in rows]

    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(out / "checkpoints"),
            learning_rate=args.lr,
            num_train_epochs=args.epochs,
            per_device_train_batch_size=32,
            per_device_eval_batch_size=64,
            warmup_ratio=0.1,
            weight_decay=0.01,
            eval_strategy="epoch",
            save_strategy="epoch",
            save_total_limit=1,
            load_best_model_at_end=True,
            metric_for_best_model="eval_loss",
            fp16=torch.cuda.is_available(),
            seed=args.seed,
            report_to=[],
        ),
        train_dataset=prepare(args.train),
        eval_dataset=prepare(args.dev),
        data_collator=DataCollatorForTokenClassification(tokenizer),
    )
    trainer.train()
    trainer.save_model(str(out / "model"))
    tokenizer.save_pretrained(str(out / "model"))

    model = trainer.model.eval()
    collate = DataCollatorForTokenClassification(tokenizer)
    for split in args.predict:
        rows = list(data[split])
        words = cut = 0
        seconds = 0.0
        with (out / f"{split}.tags.jsonl").open("w", encoding="utf-8") as handle:
            for b in range(0, len(rows), 64):
                batch = rows[b : b + 64]
                start = time.perf_counter()  # the pieces, the model and the tags: what a user waits for
                encoded = [encode(tokenizer, r["tokens"]) for r in batch]
                inputs = collate([{k: v for k, v in e.items() if k != "first"} for e in encoded]).to(model.device)
                inputs.pop("labels")
                with torch.no_grad():
                    best = model(**inputs).logits.argmax(-1).cpu().numpy()
                seconds += time.perf_counter() - start
                for row, enc, predicted in zip(batch, encoded, best):
                    tags = [names[int(t)] for t in np.asarray(predicted)[enc["first"]]]
                    cut += len(row["tokens"]) - len(tags)
                    tags += ["O"] * (len(row["tokens"]) - len(tags))
                    words += len(row["tokens"])
                    record = {"id": row["id"], "text": row["text"], "tokens": row["tokens"], "tags": tags}
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(
            f"{split}: {len(rows)} units, {words} words tagged at {words / seconds:,.0f} words/s "
            f"({cut} words past {MAX_PIECES} pieces tagged O) -> {out / f'{split}.tags.jsonl'}"
        )


if __name__ == "__main__":
    main()
