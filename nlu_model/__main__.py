"""Command line: train on a dataset or a bot, evaluate a model.

    python -m nlu_model train --data TRAIN.jsonl [--val VAL.jsonl] --out DIR
    python -m nlu_model train-bot BOT.yaml --out DIR
    python -m nlu_model evaluate --model DIR --data TEST.jsonl [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _train(args: argparse.Namespace) -> int:
    from nlu_model.data import read_jsonl
    from nlu_model.training import DATASET_ACCURACY_DROP, train_dataset_model

    train = read_jsonl(args.data)
    val = read_jsonl(args.val) if args.val else None
    drop = DATASET_ACCURACY_DROP if args.max_accuracy_drop is None else args.max_accuracy_drop
    out = train_dataset_model(train, args.out, val=val, max_accuracy_drop=drop)
    print(json.dumps({"model": str(out), **json.loads((out / "manifest.json").read_text())["metrics"]}))
    return 0


def _train_bot(args: argparse.Namespace) -> int:
    from nlu_model.training import BOT_ACCURACY_DROP, train_bot_model
    from shared.bots.loader import load_bot_file

    bot = load_bot_file(args.bot)
    examples = [(trigger, intent.name) for intent in bot.intents.values() for trigger in intent.triggers]
    if len({intent for _, intent in examples}) < 2:
        print(f"{args.bot}: a model needs at least two intents with triggers", file=sys.stderr)
        return 2
    drop = BOT_ACCURACY_DROP if args.max_accuracy_drop is None else args.max_accuracy_drop
    out = train_bot_model(examples, bot.language, args.out, max_accuracy_drop=drop,
                          platform_intents=bot.kept_platform_intents())
    print(json.dumps({"model": str(out), **json.loads((out / "manifest.json").read_text())["metrics"]}))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nlu_model.data import read_jsonl
    from nlu_model.evaluate import evaluate

    metrics = evaluate(args.model, read_jsonl(args.data))
    if args.json:
        print(json.dumps(metrics))
    else:
        for key, value in metrics.items():
            print(f"{key:>20}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu_model", description="Train and evaluate intent models.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train on a JSON Lines dataset of {text, intent, lang}")
    train.add_argument("--data", type=Path, required=True)
    train.add_argument("--val", type=Path, help="validation file: the threshold is chosen on it")
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--max-accuracy-drop", type=float, default=None,
                       help="share of in-scope accuracy the out-of-scope threshold may cost (default 0.004)")
    train.set_defaults(run=_train)
    bot = commands.add_parser("train-bot", help="train on the triggers of a bot definition file")
    bot.add_argument("bot", type=Path)
    bot.add_argument("--out", type=Path, required=True)
    bot.add_argument("--max-accuracy-drop", type=float, default=None, help="default 0.03")
    bot.set_defaults(run=_train_bot)
    evaluate = commands.add_parser("evaluate", help="metrics of a model on a JSON Lines file")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--data", type=Path, required=True)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(run=_evaluate)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
