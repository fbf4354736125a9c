"""Which model each employee thinks with: the brief's choice, or one the owner connected.

The owner connects a provider once (`connect_model`) and every rehearsing employee switches to
it; a single employee can be given its own. Settings persist in the journal; keys stay in the
keyring and only their names are stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from engine.llm.types import ModelConfig, Price

ALL = "model:all"
SIMULATE = "simulate_prices"


def employee_key(employee_id: str) -> str:
    return f"model:{employee_id}"


def dump(config: ModelConfig) -> str:
    return json.dumps(asdict(config), sort_keys=True)


def load(text: str) -> ModelConfig:
    data: dict[str, Any] = json.loads(text)
    price = data.pop("price", None)
    data["extra"] = tuple(tuple(pair) for pair in data.get("extra", ()))
    return ModelConfig(**data, price=Price(**price) if price else None)


def dump_simulated(model: str, price: Price) -> str:
    """The SIMULATE setting: the model, and its price as looked up when the owner chose it (so an office
    opening later charges it without loading litellm to look it up again)."""
    return json.dumps({"model": model, "price": asdict(price)}, sort_keys=True)


def load_simulated(text: str) -> tuple[str, Price | None]:
    """The model rehearsal is charged at, and its price when kept (an older office kept the name alone)."""
    if not text.startswith("{"):
        return text, None
    data: dict[str, Any] = json.loads(text)
    return str(data["model"]), Price(**data["price"])


def effective(brief_config: ModelConfig, own: ModelConfig | None, office: ModelConfig | None) -> ModelConfig:
    """An employee's own override wins; the office-wide one replaces rehearsal only."""
    if own is not None:
        return own
    if office is not None and brief_config.is_rehearsal:
        return office
    return brief_config
