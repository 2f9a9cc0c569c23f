"""``docs/asyncapi.yaml``: the contract's AsyncAPI document (``shared.contract.asyncapi``)
for the platform's own configuration and alert policy. ``make asyncapi`` writes it; a test
keeps it current.
"""
from __future__ import annotations

import sys

import yaml

from shared.contract import asyncapi


def document() -> dict:
    from services.alerts.policy import DEFAULT_POLICY, AlertPolicy  # plain Python and YAML, no nameko
    from wagewatch.config import DEFAULT_CONFIG

    return asyncapi.document(DEFAULT_CONFIG.read_text(encoding="utf-8"), AlertPolicy.from_file(DEFAULT_POLICY))


class _Dumper(yaml.SafeDumper):
    """Multi-line text (the routing table) as a literal block, and no YAML anchors: the file is
    read by people and by tools that do not all follow aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


if __name__ == "__main__":
    yaml.dump(document(), sys.stdout, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
