"""Loading the platform's configuration (deploy/config.yml with environment variables)."""
from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from shared.storage import is_embedded

# The packaged default: beside the code in a checkout (or an editable install). A plain
# ``pip install .`` (deploy/Dockerfile) puts the code in site-packages, where no deploy/ lies.
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "config.yml"
CONFIG_VARIABLE = "WAGEWATCH_CONFIG"
LOCAL_CONFIG = Path("deploy") / "config.yml"


def default_config_path(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The config ``wagewatch`` reads without ``--config``: ``$WAGEWATCH_CONFIG`` if set, else
    ./deploy/config.yml if the working directory has one, else the packaged default."""
    environ = os.environ if environ is None else environ
    named = environ.get(CONFIG_VARIABLE, "").strip()
    if named:
        return Path(named)
    local = (Path.cwd() if cwd is None else cwd) / LOCAL_CONFIG
    return local if local.is_file() else DEFAULT_CONFIG


def load_config(path: str | Path | None = None, **overrides) -> dict:
    """The nameko config dict, ``${VAR:default}`` resolved as ``nameko run`` does."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    chosen = Path(path) if path else default_config_path()
    try:
        with open(chosen, encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
    except FileNotFoundError:
        how = "--config" if path else (f"${CONFIG_VARIABLE}" if os.environ.get(CONFIG_VARIABLE, "").strip()
                                        else f"the default (set {CONFIG_VARIABLE} or pass --config)")
        raise SystemExit(f"No config file at {chosen} (from {how}).") from None
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
