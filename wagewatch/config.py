"""Loading the platform's configuration (deploy/config.yml with environment variables)."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import yaml

from shared.storage import is_embedded

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "config.yml"


def load_config(path: str | Path | None = None, **overrides) -> dict:
    """The nameko config dict, ``${VAR:default}`` resolved as ``nameko run`` does."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path or DEFAULT_CONFIG, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config.update(overrides)
    return config


def ensure_pii_key(config: dict) -> dict:
    """The keys for personal data (``PII_HASH_KEY``, ``QUARANTINE_KEY``). The embedded store
    lives and dies with the process, so throwaway keys are safe there; a real database
    must be given keys that outlive the process."""
    from shared.sealing import new_key

    makers = {"PII_HASH_KEY": lambda: secrets.token_hex(32), "QUARANTINE_KEY": new_key}
    for name, make in makers.items():
        if config.get(name):
            continue
        if not is_embedded(config["MONGO_URI"]):
            sys.exit(f"{name} must be set when MONGO_URI points at a real MongoDB.")
        os.environ.setdefault(name, make())
        config = {**config, name: os.environ[name]}
    return config
