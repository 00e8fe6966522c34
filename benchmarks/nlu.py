"""NLU benchmark: the platform intents' held-back accuracy per language; then, per dataset, train on its
train split (and on a 10-per-intent sample of it), choose the out-of-scope threshold on its val split,
and measure on val.

Run: `.venv/bin/python benchmarks/nlu.py [--datasets DIR] [--only platform,clinc150,...] [--json OUT]`
The datasets folder is --datasets, else $CHARLA_NLU_DATASETS, else ../shared/datasets beside the repo;
without it the platform rows still run and one line says where the datasets were looked for.

The platform intents (nlu_model/platform_intents) are measured as a bot gets them: trained on the set's
train split, scored on its held-back test split (phrasings never seen in training, variants included).

The test splits are held back, so val is both where the threshold is chosen and where it is measured:
the figures are estimates. Two extra rows keep that honest where it matters:
- clinc150 "cross-fitted": the threshold is chosen on one half of val and measured on the other half
  (both ways round, averaged), so the out-of-scope recall is not measured where it was tuned.
- datasets without out-of-scope examples: "oos recall" is measured by training without every fourth
  intent and counting its val messages as out of scope (the threshold is chosen without them).
- "threshold by CV" rows (the datasets in --cross-validated, small ones by default): the threshold is
  chosen by cross-validation on train alone, never on val, and measured on val — beside the "full" row,
  whose threshold was chosen on val, they show how much of the val figure is tuning.
Also: "bot mode" rows choose the threshold by cross-validation on the 10 examples per intent alone,
as `train_bot_model` does for a bot's triggers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nlu_model.data import Example, read_jsonl  # noqa: E402
from nlu_model.evaluate import evaluate  # noqa: E402
from nlu_model.training import BOT_ACCURACY_DROP, train_dataset_model  # noqa: E402

DATASETS = ("clinc150", "banking77", "mtod_es", "tais_ptbr")
PLATFORM = "platform"
CROSS_VALIDATED = ("mtod_es", "tais_ptbr")  # 5 extra fits each: cheap on these, minutes on CLINC150/BANKING77
DATASETS_ENV = "CHARLA_NLU_DATASETS"
SHOTS = 10
SEED = 20240601
OOS = "oos"

COLD_START = """
import sys, time, json
from pathlib import Path
t0 = time.perf_counter()
import nlu_model
model = nlu_model.load_model(Path(sys.argv[1]))
model.predict("what is my balance")
print(json.dumps({"cold_ms": (time.perf_counter() - t0) * 1000, "sklearn": "sklearn" in sys.modules}))
"""


def sample_per_intent(rows: list[Example], k: int, seed: int = SEED) -> list[Example]:
    """k examples of every intent (all of an intent with fewer), chosen with a fixed seed."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for row in rows:
        by_intent[row.intent].append(row)
    rng = random.Random(seed)
    picked: list[Example] = []
    for intent in sorted(by_intent):
        members = list(by_intent[intent])
        rng.shuffle(members)
        picked.extend(members[:k])
    return picked


def _run(train: list[Example], val: list[Example] | None, test: list[Example], out: Path,
         drop: float | None = None) -> dict:
    started = time.perf_counter()
    kwargs = {} if drop is None else {"max_accuracy_drop": drop}
    train_dataset_model(train, out, val=val, progress=False, **kwargs)
    seconds = time.perf_counter() - started
    return {**evaluate(out, test), "train_s": round(seconds, 1), "train_examples": len(train)}


def held_out_intents(train: list[Example], val: list[Example], out: Path) -> float | None:
    """Out-of-scope recall on intents the model never saw: every fourth intent is left out."""
    intents = sorted({e.intent for e in train} - {OOS})
    unseen = set(intents[3::4])
    kept_train = [e for e in train if e.intent not in unseen]
    kept_val = [e for e in val if e.intent not in unseen]
    test = [Example(e.text, OOS if e.intent in unseen else e.intent, e.lang) for e in val]
    train_dataset_model(kept_train, out, val=kept_val, progress=False)
    return evaluate(out, test)["oos_recall"]


def cross_fitted(train: list[Example], val: list[Example], out: Path) -> dict:
    rng = random.Random(SEED)
    order = list(range(len(val)))
    rng.shuffle(order)
    halves = [[val[i] for i in order[::2]], [val[i] for i in order[1::2]]]
    results = [_run(train, halves[a], halves[1 - a], out) for a in (0, 1)]
    return {key: round(sum(r[key] for r in results) / 2, 4) for key in ("in_scope_accuracy", "oos_recall", "macro_f1")}


def cold_start_ms(model_dir: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", COLD_START, str(model_dir)], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def datasets_folder(argument: Path | None) -> Path:
    """--datasets, else $CHARLA_NLU_DATASETS, else ../shared/datasets beside the repository."""
    if argument is not None:
        return argument
    if os.environ.get(DATASETS_ENV):
        return Path(os.environ[DATASETS_ENV])
    return REPO.parent / "shared" / "datasets"


def platform_rows(rows: list[dict]) -> None:
    """The platform intents' held-back accuracy per language (nlu_model/platform_intents)."""
    from nlu_model.platform_intents import LANGUAGES
    from nlu_model.platform_intents.measure import held_back_metrics

    header = (f"{'platform intents':<17} {'train':>6} {'test':>5} {'top-1':>6} {'bot thr.':>8} {'macroF1':>8} "
              f"{'train s':>8} {'size MB':>8} {'p50 ms':>7} {'p99 ms':>7}")
    print(header)
    print("-" * len(header), flush=True)
    for language in LANGUAGES:
        r = held_back_metrics(language)
        print(f"{language:<17} {r['train_examples']:>6} {r['examples']:>5} {r['in_scope_top1']:>6.1%} "
              f"{r['in_scope_accuracy']:>8.1%} {r['macro_f1']:>8.3f} {r['train_seconds']:>8.1f} "
              f"{r['model_bytes'] / 1e6:>8.2f} {r['p50_ms']:>7.3f} {r['p99_ms']:>7.3f}", flush=True)
        rows.append({"dataset": PLATFORM, "setting": language, **r})
    print("top-1: held-back phrasings whose best intent is right (the set's accuracy); bot thr.: the share a "
          "bot acts on, its cross-validated threshold applied (a rejected one counts as wrong).\n", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=None,
                        help=f"datasets folder (default ${DATASETS_ENV}, else ../shared/datasets beside the repo)")
    parser.add_argument("--only", default=",".join((PLATFORM, *DATASETS)),
                        help=f"comma-separated: {PLATFORM} and/or dataset names")
    parser.add_argument("--cross-validated", default=",".join(CROSS_VALIDATED),
                        help="datasets that also get a row with the threshold chosen by cross-validation on train")
    parser.add_argument("--json", type=Path, help="also write every measured row to this file")
    args = parser.parse_args()
    wanted = [name for name in args.only.split(",") if name]
    unknown = sorted(set(wanted) - {PLATFORM, *DATASETS})
    if unknown:
        print(f"unknown --only name(s): {', '.join(unknown)}; expected {', '.join((PLATFORM, *DATASETS))}")
        return 2

    rows: list[dict] = []
    if PLATFORM in wanted:
        platform_rows(rows)
    names = [name for name in wanted if name != PLATFORM]
    folder = datasets_folder(args.datasets)
    missing = [name for name in names if not (folder / name / "train.jsonl").is_file()
               or not (folder / name / "val.jsonl").is_file()]
    if names and missing:
        print(f"datasets not found in {folder} ({', '.join(missing)}): pass --datasets DIR or set {DATASETS_ENV}; "
              f"{'those rows are' if len(missing) < len(names) else 'dataset rows are'} skipped")
        names = [name for name in names if name not in missing]
    if names:
        dataset_rows(names, folder, set(args.cross_validated.split(",")), rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def dataset_rows(names: list[str], folder: Path, cross_validate: set[str], rows: list[dict]) -> None:
    header = (f"{'dataset':<10} {'setting':<26} {'train':>6} {'in-scope':>8} {'top-1':>6} {'oos rec':>8} "
              f"{'macroF1':>8} {'train s':>8} {'size MB':>8} {'load ms':>8} {'p50 ms':>7} {'p99 ms':>7}")
    print(header)
    print("-" * len(header), flush=True)

    def show(name: str, setting: str, r: dict, oos_recall: float | None) -> None:
        rec = "-" if oos_recall is None else f"{oos_recall:.1%}"
        print(f"{name:<10} {setting:<26} {r['train_examples']:>6} {r['in_scope_accuracy']:>8.1%} "
              f"{r['in_scope_top1']:>6.1%} {rec:>8} "
              f"{r['macro_f1']:>8.3f} {r['train_s']:>8.1f} {r['model_bytes'] / 1e6:>8.2f} {r['load_ms']:>8.1f} "
              f"{r['p50_ms']:>7.3f} {r['p99_ms']:>7.3f}", flush=True)
        rows.append({"dataset": name, "setting": setting, **r, "oos_recall_reported": oos_recall})

    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            train, val = read_jsonl(folder / name / "train.jsonl"), read_jsonl(folder / name / "val.jsonl")
            has_oos = any(e.intent == OOS for e in val)
            few = sample_per_intent(train, SHOTS)
            for setting, data in (("full", train), (f"{SHOTS}/intent", few)):
                out = Path(tmp) / f"{name}-{setting.replace('/', '-')}"
                result = _run(data, val, val, out)
                oos = result["oos_recall"] if has_oos else held_out_intents(data, val, Path(tmp) / "held")
                show(name, setting + ("" if has_oos else " †"), result, oos)
                if setting == "full" and name in cross_validate:
                    result = _run(train, None, val, Path(tmp) / f"{name}-cv")
                    show(name, "full, threshold by CV" + ("" if has_oos else " †"), result,
                         result["oos_recall"] if has_oos else None)
                if name == "clinc150" and setting == "full":
                    cold = cold_start_ms(out)
                    print(f"{'':<10} cold start (import + load + first predict, fresh process): "
                          f"{cold['cold_ms']:.0f} ms, scikit-learn imported: {cold['sklearn']}", flush=True)
                    rows.append({"dataset": name, "setting": "cold start", **cold})
                    fitted = cross_fitted(train, val, Path(tmp) / "xfit")
                    print(f"{'':<10} cross-fitted threshold (chosen on one half of val, measured on the other): "
                          f"in-scope {fitted['in_scope_accuracy']:.1%}, oos recall {fitted['oos_recall']:.1%}, "
                          f"macro-F1 {fitted['macro_f1']:.3f}", flush=True)
                    rows.append({"dataset": name, "setting": "full, cross-fitted threshold", **fitted})
            if name == "clinc150":
                bot_like = [e for e in few if e.intent != OOS]  # a bot has no examples of "anything else"
                result = _run(bot_like, None, val, Path(tmp) / "bot", drop=BOT_ACCURACY_DROP)
                show(name, f"{SHOTS}/intent, bot mode (CV)", result, result["oos_recall"])
    print("in-scope: accuracy on in-scope val messages with the threshold (a rejected one counts as wrong); "
          "top-1: best intent ignoring the threshold (closed-set accuracy, as papers report it); "
          "† no out-of-scope examples in the data: oos recall is measured on every fourth intent, left out of "
          "training; p50/p99: one message at a time (median of 3 timings each), one process.")


if __name__ == "__main__":
    sys.exit(main())
