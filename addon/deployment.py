"""The deployment descriptor with our public URL in it.

`addon/deployment.json` names every endpoint as `https://ADDON_BASE_URL/addon/...`; this fills in the real base:

    python -m addon.deployment --base-url https://orchestrator.example.com > deployment.json
    gcloud workspace-add-ons deployments create workspace-orchestrator --deployment-file=deployment.json

(without --base-url it uses ADDON_BASE_URL from the environment).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from server.config import Config

TEMPLATE = Path(__file__).with_name("deployment.json")
PLACEHOLDER = "https://ADDON_BASE_URL"


def descriptor(base_url: str) -> dict[str, Any]:
    """deployment.json with every endpoint under `base_url` (no trailing slash needed)."""
    return json.loads(TEMPLATE.read_text().replace(PLACEHOLDER, base_url.rstrip("/")))


def endpoints(deployment: dict[str, Any]) -> list[str]:
    """Every URL the descriptor asks Google to call (triggers and universal actions)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("runFunction", "onTriggerFunction") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(deployment.get("addOns"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="public URL of this server (default: ADDON_BASE_URL)")
    args = parser.parse_args(argv)
    base = args.base_url or Config.from_env().addon_base_url
    if not base:
        parser.error("give --base-url or set ADDON_BASE_URL")
    json.dump(descriptor(base), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
