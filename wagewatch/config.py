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
    """The embedded store lives and dies with the process, so a throwaway key is safe
    there; a real database must be given a key that outlives the process."""
    if config.get("PII_HASH_KEY"):
        return config
    if not is_embedded(config["MONGO_URI"]):
        sys.exit("PII_HASH_KEY must be set when MONGO_URI points at a real MongoDB.")
    key = secrets.token_hex(32)
    os.environ.setdefault("PII_HASH_KEY", key)
    return {**config, "PII_HASH_KEY": os.environ["PII_HASH_KEY"]}
