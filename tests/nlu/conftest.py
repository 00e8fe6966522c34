"""A small Spanish shop bot's triggers, trained once per test session (about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHOP_TRIGGERS = {
    "saludo": ["hola buenas", "buen dia", "hola que tal", "buenas tardes", "buenas noches", "hola como estas",
               "que tal todo", "hola buen dia"],
    "horario": ["a que hora abren", "horario de atencion", "hasta que hora estan abiertos", "que horario tienen",
                "abren los sabados", "a que hora cierran", "estan abiertos el domingo", "cual es el horario"],
    "envio": ["hacen envios a domicilio", "cuanto tarda el envio", "costo de envio", "envian al interior",
              "cuando llega mi paquete", "el envio es gratis", "donde esta mi pedido", "seguimiento del envio"],
    "pago": ["aceptan tarjeta de credito", "puedo pagar con transferencia", "medios de pago",
             "pagar en cuotas", "aceptan efectivo", "como pago mi compra", "tienen mercado pago",
             "se puede pagar con debito"],
    "reclamo": ["quiero hacer un reclamo", "el producto llego roto", "me cobraron de mas", "quiero devolver",
                "el pedido vino incompleto", "estoy muy enojado con el servicio", "quiero la devolucion del dinero",
                "llego otro producto"],
}


def shop_examples() -> list[tuple[str, str]]:
    return [(text, intent) for intent, texts in SHOP_TRIGGERS.items() for text in texts]


@pytest.fixture(scope="session")
def shop_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nlu_model import train_bot_model

    return train_bot_model(shop_examples(), "es", tmp_path_factory.mktemp("shop") / "model")
