import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nlu_model import ModelArtifactError, load_model
from nlu_model.runtime import load_model_uncached

NLU_SOURCE = Path(__file__).resolve().parents[2] / "nlu_model"


def test_messages_worded_differently_from_the_triggers_find_their_intent(shop_model_dir):
    model = load_model(shop_model_dir)
    assert model.predict("holaaa buenas tardes!! 👋").intent == "saludo"
    assert model.predict("a q hora abren el sabado?").intent == "horario"
    assert model.predict("cuanto tarda en llegar el envio a mi casa").intent == "envio"
    assert model.predict("puedo pagar con tarjeta?").intent == "pago"
    assert model.predict("me llegó el producto roto 😡").intent == "reclamo"


def test_a_message_about_nothing_the_bot_knows_is_out_of_scope(shop_model_dir):
    model = load_model(shop_model_dir)
    for text in ("cual es la capital de francia", "me gusta jugar al futbol con mis amigos",
                 "recomendame una pelicula de terror", "asdkjh qwe zxc"):
        prediction = model.predict(text)
        assert prediction.intent is None, (text, prediction)


def test_a_prediction_carries_language_confidence_and_ranked_alternatives(shop_model_dir):
    prediction = load_model(shop_model_dir).predict("hacen envios al interior?")
    assert prediction.language == "es"
    assert 0.0 <= prediction.confidence <= 1.0
    names = [name for name, _ in prediction.ranking]
    assert names[0] == prediction.intent == "envio"
    assert len(names) == len(set(names)) == 5
    probabilities = [p for _, p in prediction.ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0001


def test_an_out_of_scope_prediction_still_ranks_the_nearest_intents(shop_model_dir):
    prediction = load_model(shop_model_dir).predict("cual es la capital de francia")
    assert prediction.intent is None
    assert len(prediction.ranking) == 5


def test_an_empty_message_is_out_of_scope(shop_model_dir):
    assert load_model(shop_model_dir).predict("   ").intent is None
    assert load_model(shop_model_dir).predict("🚚").intent is None


def test_the_language_is_detected_per_message(shop_model_dir):
    model = load_model(shop_model_dir)
    assert model.predict("hello, what time do you open?").language == "en"
    assert model.predict("vocês aceitam cartão de crédito?").language == "pt"
    assert model.predict("ok").language == "es"  # no evidence: the bot's language


def test_the_artifact_is_plain_files_only(shop_model_dir):
    names = sorted(p.name for p in shop_model_dir.iterdir())
    assert names == ["manifest.json", "vocabulary.json", "weights.npz"]
    with np.load(shop_model_dir / "weights.npz", allow_pickle=False) as npz:
        assert {npz[name].dtype.kind for name in npz.files} <= {"f", "i", "u"}
    source = " ".join(p.read_text() for p in NLU_SOURCE.glob("*.py"))
    assert "import pickle" not in source and "joblib" not in source and "allow_pickle=True" not in source


def test_the_manifest_records_what_is_needed_to_reproduce_and_audit_the_model(shop_model_dir):
    manifest = json.loads((shop_model_dir / "manifest.json").read_text())
    assert manifest["format"] == "charla-nlu" and manifest["format_version"] == 1
    assert manifest["labels"] == ["envio", "horario", "pago", "reclamo", "saludo"]
    assert len(manifest["training_data_sha256"]) == 64
    assert {"python", "numpy", "scipy", "scikit-learn"} <= set(manifest["libraries"])
    assert 0.0 < manifest["calibration"]["threshold"] < 1.0
    assert manifest["metrics"]["held_out_examples"] == 40
    assert manifest["model_version"]


def test_the_model_is_loaded_once_per_folder_and_version(shop_model_dir, tmp_path):
    assert load_model(shop_model_dir) is load_model(shop_model_dir)
    copy = shutil.copytree(shop_model_dir, tmp_path / "copy")
    assert load_model(copy) is not load_model(shop_model_dir)


def test_loaded_and_round_tripped_models_predict_the_same(shop_model_dir, tmp_path):
    copy = shutil.copytree(shop_model_dir, tmp_path / "copy")
    a, b = load_model_uncached(shop_model_dir), load_model_uncached(copy)
    for text in ("hola buen dia", "medios de pago?", "algo que no tiene nada que ver"):
        assert a.predict(text) == b.predict(text)


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    return shutil.copytree(model_dir, tmp_path / "model")


def test_a_tampered_weights_file_is_refused(shop_model_dir, tmp_path):
    copy = _copy(shop_model_dir, tmp_path)
    data = bytearray((copy / "weights.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "weights.npz").write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError, match=r"weights\.npz: sha256 does not match"):
        load_model(copy)


def test_an_edited_vocabulary_is_refused(shop_model_dir, tmp_path):
    copy = _copy(shop_model_dir, tmp_path)
    vocabulary = json.loads((copy / "vocabulary.json").read_text())
    vocabulary["word"][0] = "hacked"
    (copy / "vocabulary.json").write_text(json.dumps(vocabulary))
    with pytest.raises(ModelArtifactError, match=r"vocabulary\.json: sha256"):
        load_model(copy)


def test_a_missing_file_or_a_corrupt_manifest_is_refused(shop_model_dir, tmp_path):
    copy = _copy(shop_model_dir, tmp_path)
    (copy / "weights.npz").unlink()
    with pytest.raises(ModelArtifactError, match=r"weights\.npz: missing"):
        load_model(copy)
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(ModelArtifactError, match="corrupt manifest"):
        load_model(copy)
    with pytest.raises(ModelArtifactError, match="not a model folder"):
        load_model(tmp_path / "nowhere")


def test_a_newer_format_is_refused_with_a_hint(shop_model_dir, tmp_path):
    copy = _copy(shop_model_dir, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="format version 99 is not supported"):
        load_model(copy)


def test_a_pickle_in_place_of_the_weights_is_refused(shop_model_dir, tmp_path):
    import hashlib

    copy = _copy(shop_model_dir, tmp_path)
    # A pickled object array under the right name, with the manifest hash updated to match: the
    # loader must still never unpickle it.
    with (copy / "weights.npz").open("wb") as handle:
        np.savez(handle, idf=np.array([object()], dtype=object))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["weights.npz"] = hashlib.sha256((copy / "weights.npz").read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="unreadable model files"):
        load_model(copy)


def test_training_needs_two_intents(tmp_path):
    from nlu_model import train_bot_model

    with pytest.raises(ValueError, match="two intents"):
        train_bot_model([("hola", "saludo"), ("buen dia", "saludo")], "es", tmp_path / "m")


def test_a_two_intent_bot_still_rejects_unrelated_messages(tmp_path):
    from nlu_model import train_bot_model

    examples = [(t, "saludo") for t in ("hola buenas", "buen dia", "hola que tal", "buenas tardes")]
    examples += [(t, "horario") for t in ("a que hora abren", "horario de atencion", "que horario tienen",
                                          "hasta que hora abren")]
    model = load_model(train_bot_model(examples, "es", tmp_path / "m"))
    assert model.predict("hola que tal").intent == "saludo"
    assert model.predict("a que hora abren").intent == "horario"
    assert model.predict("quiero comprar un auto usado").intent is None


def test_predict_agrees_with_the_batch_scoring_that_training_calibrates_on(shop_model_dir):
    from nlu_model import normalise
    from nlu_model.runtime import oos_scores, score_to_confidence

    model = load_model(shop_model_dir)
    for text in ("hola buen dia", "medios de pago?", "quiero comprar un auto usado", "llego roto el paquete"):
        normalised = normalise(text, "es")
        scores = model.raw_scores(normalised)[None, :]
        unseen = model.unseen_share(normalised)
        best, oos = oos_scores(scores, model._in_scope, model._oos_index, np.array([unseen]), model._unseen_penalty,
                               model._standardise)
        prediction = model.predict(text, language="es")
        assert prediction.ranking[0][0] == model.labels[int(best[0])]
        assert prediction.confidence == pytest.approx(score_to_confidence(float(oos[0]), model._slope,
                                                                          model._offset), abs=1e-4)


def test_a_model_retrained_into_the_same_folder_is_loaded_afresh(tmp_path):
    from nlu_model import train_bot_model

    first = [(t, "saludo") for t in ("hola buenas", "buen dia", "hola que tal")]
    first += [(t, "pago") for t in ("medios de pago", "aceptan tarjeta", "pagar en cuotas")]
    folder = tmp_path / "model"
    old = load_model(train_bot_model(first, "es", folder))
    second = [*first, *[(t, "envio") for t in ("hacen envios", "costo de envio", "cuanto tarda el envio")]]
    new = load_model(train_bot_model(second, "es", folder))
    assert new is not old and new.version != old.version
    assert "envio" in new.labels and "envio" not in old.labels
    assert load_model(folder) is new
