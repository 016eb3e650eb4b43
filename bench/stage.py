"""Run one benchmark stage in this process and print its figures as JSON.

    python bench/stage.py STAGE SIZE [--model PATH] [--config CFG]

``--config`` is the training config whose tokenizer convert, tokenize and export use
(default configs/ner.cfg).

The timed part is the stage's work only (imports and model loading excluded, the same for
viner and the baselines it is compared with); peak memory is this process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CONFIG = ROOT / "configs" / "ner.cfg"


class AnonPeak:
    """Peak anonymous memory (heap, not file pages) of this process, sampled from /proc every 20 ms.

    ru_maxrss also counts the pages of files the process maps and reads (datasets' Arrow
    files), which the kernel can drop at any time; RssAnon is the memory the process holds.
    """

    def __init__(self) -> None:
        import threading

        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def now() -> float:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.now())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, self.now())


def texts_of(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def run(stage: str, size: int, model: str | None, config: Path = CONFIG) -> dict:
    base = OUT / str(size)
    gold = base / "gold.jsonl"
    result: dict = {"stage": stage, "size": size}
    anon = AnonPeak()
    if stage == "corpus_build":
        from viner.corpus import build_corpus

        start = time.perf_counter()
        stats = build_corpus([base / "raw.jsonl"], base / "units.jsonl")
        result.update(units=stats.units, seconds=time.perf_counter() - start)
    elif stage == "validate":
        from viner.validate import validate_paths

        start = time.perf_counter()
        report = validate_paths([gold])
        assert report.ok, report.problems[:3]
        result.update(units=report.records, seconds=time.perf_counter() - start)
    elif stage in ("convert", "convert_plain"):
        import spacy

        from viner.convert import convert

        if stage == "convert_plain":  # as on a spaCy the fast DocBin maker was not checked with: DocBin.add
            spacy.__version__ = "0.0.0"
        start, cpu = time.perf_counter(), time.process_time()
        report = convert([gold], base / "corpus", config=config)
        assert report.docbin_maker == ("plain" if stage == "convert_plain" else "fast"), report.docbin_maker
        result.update(
            units=sum(report.units.values()), seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu
        )
    elif stage == "tokenize":  # baseline for convert: spaCy's own tokenisation of the same texts
        from viner.pipeline import tokenizer_from_config

        texts = texts_of(gold)
        start, cpu = time.perf_counter(), time.process_time()  # creating the tokenizer is timed, as it is in convert
        nlp = tokenizer_from_config(config)
        words = sum(len(nlp.make_doc(t)) for t in texts)
        result.update(
            units=len(texts), words=words, seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu
        )
    elif stage == "tokenize_jsonl":  # spaCy's tokenisation of the texts as a bare loop reads them from the JSONL
        from viner.pipeline import tokenizer_from_config

        start, cpu = time.perf_counter(), time.process_time()
        nlp = tokenizer_from_config(config)
        units = words = 0
        with gold.open(encoding="utf-8") as handle:
            for line in handle:
                words += len(nlp.make_doc(json.loads(line)["text"]))
                units += 1
        result.update(
            units=units, words=words, seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu
        )
    elif stage in ("predict_1", "predict_2"):
        from viner.predict import predict

        stats = predict(model, [gold], base / f"pred-{stage}.jsonl", n_process=int(stage[-1]), force=True)
        result.update(units=stats.units, words=stats.words, seconds=stats.seconds)
    elif stage in ("pipe_1", "pipe_2"):  # baseline for predict: bare nlp.pipe over the same texts
        import spacy

        nlp = spacy.load(model)
        texts = texts_of(gold)
        start = time.perf_counter()
        words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256, n_process=int(stage[-1])))
        result.update(units=len(texts), words=words, seconds=time.perf_counter() - start)
    elif stage in ("export_conll", "import_conll", "export_hf"):
        from viner.cli import main

        args = {
            "export_conll": [
                "export",
                gold,
                "--format",
                "conll",
                "--comments",
                "-c",
                config,
                "-o",
                base / "gold.conll",
                "--force",
            ],
            "import_conll": ["import-conll", base / "gold.conll", "-o", base / "imported.jsonl", "--force"],
            "export_hf": ["export", gold, "--format", "hf", "-c", config, "-o", base / "hf", "--force"],
        }[stage]
        start = time.perf_counter()
        code = main([str(a) for a in args])
        assert code == 0, f"{stage} failed"
        result.update(units=size, seconds=time.perf_counter() - start)
    elif stage == "evaluate":
        from viner.evaluation.evaluate import evaluate

        start = time.perf_counter()
        report = evaluate(model, gold, predictions=base / "eval.predictions.jsonl")
        result.update(units=report.data.examples, words=report.speed.words, seconds=time.perf_counter() - start)
    else:
        raise SystemExit(f"unknown stage {stage}")
    result["peak_anon_mb"] = anon.stop()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["peak_rss_children_mb"] = children
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("stage")
    parser.add_argument("size", type=int)
    parser.add_argument("--model")
    parser.add_argument("--config", type=Path, default=CONFIG)
    args = parser.parse_args()
    print(
        json.dumps(
            {
                **run(args.stage, args.size, args.model, args.config),
                "config": str(args.config.resolve().relative_to(ROOT)),
            }
        )
    )
