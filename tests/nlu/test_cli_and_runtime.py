import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlu_model.platform_intents import PLATFORM_INTENTS
from tests.nlu.conftest import shop_examples

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO.parent / "shared" / "datasets"
EVALUATE_KEYS = {"accuracy", "in_scope_accuracy", "oos_recall", "macro_f1", "p50_ms", "p99_ms", "model_bytes",
                 "load_ms"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlu_model", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("data")
    rows = [{"text": text, "intent": intent, "lang": "es"} for text, intent in shop_examples()]
    train = write_jsonl(folder / "train.jsonl", rows[::2] + rows[1::4])
    held = [*rows[3::4], {"text": "cual es la capital de francia", "intent": "oos", "lang": "es"},
            {"text": "recomendame una pelicula de terror", "intent": "oos", "lang": "es"}]
    val = write_jsonl(folder / "val.jsonl", held)
    return train, val, folder


def test_train_then_evaluate_prints_one_json_object_with_every_metric(dataset):
    train, val, folder = dataset
    trained = run("train", "--data", str(train), "--val", str(val), "--out", str(folder / "model"))
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["model"] == str(folder / "model")
    evaluated = run("evaluate", "--model", str(folder / "model"), "--data", str(val), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    lines = evaluated.stdout.strip().splitlines()
    assert len(lines) == 1
    metrics = json.loads(lines[0])
    assert set(metrics) >= EVALUATE_KEYS
    assert metrics["oos_recall"] == 1.0
    assert metrics["model_bytes"] > 0 and metrics["p99_ms"] >= metrics["p50_ms"] > 0


def test_train_without_validation_chooses_the_threshold_by_cross_validation(dataset):
    train, _, folder = dataset
    trained = run("train", "--data", str(train), "--out", str(folder / "cv"))
    assert trained.returncode == 0, trained.stderr
    manifest = json.loads((folder / "cv" / "manifest.json").read_text())
    assert "cross-validation" in manifest["source"]


BOT_FILE = """
id: tienda-nlu
name: Tienda de prueba
language: es
topics:
  - name: general
    intents:
      - name: saludo
        triggers: [hola buenas, buen dia, hola que tal, buenas tardes]
        responses:
          - text: "Hola!"
      - name: horario
        triggers: [a que hora abren, horario de atencion, que horario tienen, hasta que hora abren]
        responses:
          - text: "De 9 a 18."
      - name: envios
        triggers: [hacen envios, cuanto tarda el envio, envian a domicilio, costo de envio]
        responses:
          - text: "Enviamos a todo el país."
"""


def test_train_bot_reads_the_bot_definition_file(tmp_path):
    bot_file = tmp_path / "tienda.yaml"
    bot_file.write_text(BOT_FILE, encoding="utf-8")
    trained = run("train-bot", str(bot_file), "--out", str(tmp_path / "tienda"))
    assert trained.returncode == 0, trained.stderr
    manifest = json.loads((tmp_path / "tienda" / "manifest.json").read_text())
    assert manifest["language"] == "es"
    # As published (issue 17): the bot's intents and the seven platform intents it keeps.
    assert manifest["labels"] == sorted(["envios", "horario", "saludo", *PLATFORM_INTENTS])
    assert manifest["metrics"]["bot_examples"] == 12


def test_a_malformed_data_file_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hola", "intent": "saludo", "lang": "es"}\n{"text": "sin intent"}\n')
    result = run("train", "--data", str(bad), "--out", str(tmp_path / "m"))
    assert result.returncode == 2
    assert "bad.jsonl:2" in result.stderr


PROBE = """
import json, sys
import nlu_model
after_import = sorted(m for m in ("numpy", "scipy", "sklearn") if m in sys.modules)
model = nlu_model.load_model(__import__("pathlib").Path(sys.argv[1]))
prediction = model.predict("hacen envios al interior?")
print(json.dumps({"after_import": after_import, "intent": prediction.intent,
                  "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy", "joblib"))}))
"""


def test_importing_and_predicting_never_loads_scikit_learn_or_scipy(shop_model_dir):
    out = subprocess.run([sys.executable, "-c", PROBE, str(shop_model_dir)], cwd=REPO, capture_output=True,
                         text=True, check=True, timeout=60)
    probe = json.loads(out.stdout)
    assert probe["after_import"] == []
    assert probe["intent"] == "envio"
    assert probe["heavy"] == []


@pytest.mark.skipif(not (DATASETS / "mtod_es" / "train.jsonl").exists(), reason="datasets folder not present")
def test_smoke_on_two_hundred_lines_of_a_real_dataset(tmp_path):
    from nlu_model import load_model, read_jsonl, train_dataset_model

    rows = read_jsonl(DATASETS / "mtod_es" / "train.jsonl")[:200]
    model = load_model(train_dataset_model(rows[:150], tmp_path / "m", val=rows[150:], progress=False))
    assert model.language == "es"
    hits = sum(model.predict(row.text).intent == row.intent for row in rows[150:])
    assert hits >= 25
