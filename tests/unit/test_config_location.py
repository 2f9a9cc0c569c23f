"""Where ``wagewatch`` finds its config without ``--config``. In the Docker image the
package is installed into site-packages, where no deploy/ lies beside the code: the
default comes from ``WAGEWATCH_CONFIG``, else ./deploy/config.yml, else the packaged one."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wagewatch.config import CONFIG_VARIABLE, DEFAULT_CONFIG, default_config_path, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_variable_names_the_config_wherever_the_command_runs(tmp_path):
    named = tmp_path / "elsewhere.yml"
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "config.yml").write_text("LOCAL: 1\n")
    assert default_config_path({CONFIG_VARIABLE: str(named)}, cwd=tmp_path) == named


def test_without_the_variable_the_working_directorys_deploy_config_is_read(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "config.yml").write_text("LOCAL: 1\n")
    assert default_config_path({}, cwd=tmp_path) == tmp_path / "deploy" / "config.yml"
    assert default_config_path({CONFIG_VARIABLE: "  "}, cwd=tmp_path) == tmp_path / "deploy" / "config.yml"


def test_with_neither_the_packaged_default_is_read(tmp_path):
    assert default_config_path({}, cwd=tmp_path) == DEFAULT_CONFIG


def test_load_config_reads_the_file_the_variable_names(tmp_path, monkeypatch):
    named = tmp_path / "custom.yml"
    named.write_text("AMQP_URI: amqp://elsewhere/\nMARKER: ${MARKER_VALUE:from-the-named-file}\n")
    monkeypatch.setenv(CONFIG_VARIABLE, str(named))
    monkeypatch.chdir(tmp_path)
    assert load_config()["MARKER"] == "from-the-named-file"
    assert load_config(ROOT / "deploy" / "config.yml")["AMQP_URI"] != "amqp://elsewhere/"   # --config wins


def test_a_variable_naming_no_file_is_refused_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_VARIABLE, str(tmp_path / "missing.yml"))
    with pytest.raises(SystemExit) as stopped:
        load_config()
    assert str(tmp_path / "missing.yml") in str(stopped.value) and CONFIG_VARIABLE in str(stopped.value)


def test_the_command_reads_the_config_the_variable_names(tmp_path):
    """The installed command, run from a directory with no deploy/ (as from anywhere in the
    image): the config named by the variable decides which policy file is checked."""
    policy = tmp_path / "custom-policy.yml"
    policy.write_text((ROOT / "deploy" / "alert-policy.yml").read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "custom.yml"
    text = (ROOT / "deploy" / "config.yml").read_text(encoding="utf-8")
    config.write_text(text.replace("${ALERT_POLICY:deploy/alert-policy.yml}", str(policy)), encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ALERT_POLICY"} | {CONFIG_VARIABLE: str(config)}
    result = subprocess.run([str(Path(sys.executable).parent / "wagewatch"), "policy", "check"],
                            capture_output=True, text=True, cwd=empty, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{policy}: valid"), result.stdout
