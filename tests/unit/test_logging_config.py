"""The config's logging section works as `wagewatch up` uses it."""
from __future__ import annotations

import logging
import logging.config

from wagewatch.config import load_config


def test_the_log_level_comes_from_the_environment_with_info_by_default(monkeypatch):
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        monkeypatch.delenv("LOG_LEVEL", raising=False)
        logging.config.dictConfig(load_config()["LOGGING"])
        assert root.level == logging.INFO
        monkeypatch.setenv("LOG_LEVEL", "WARNING")
        logging.config.dictConfig(load_config()["LOGGING"])
        assert root.level == logging.WARNING
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
