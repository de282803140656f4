#!/usr/bin/python3
"""Writes the parameters section of helm/tern/README.md from the `## @param key description`
comments in values.yaml (defaults read from the values themselves), so the two never drift.

    helm/tern/readme.py          # rewrite README.md between the markers
    helm/tern/readme.py --check  # fail when README.md is not what it would write (the tests)
"""

import json
import os
import re
import sys

import yaml  # Debian's python3-yaml (yamllint's dependency)

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN, END = "<!-- parameters: written by readme.py -->", "<!-- end of parameters -->"


def table():
    with open(os.path.join(HERE, "values.yaml"), encoding="utf-8") as f:
        text = f.read()
    values = yaml.safe_load(text)
    rows = ["| Parameter | Description | Default |", "|---|---|---|"]
    for key, desc in re.findall(r"^\s*## @param (\S+) (.+)$", text, re.M):
        node = values
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise SystemExit(f"readme.py: @param {key} names no value in values.yaml")
            node = node[part]
        default = json.dumps(node) if not isinstance(node, str) else f'"{node}"'
        rows.append(f"| `{key}` | {desc.replace('|', '/')} | `{default}` |")
    return "\n".join(rows)


def main():
    path = os.path.join(HERE, "README.md")
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    new = readme[:start] + "\n" + table() + "\n" + readme[end:]
    if "--check" in sys.argv[1:]:
        if new != readme:
            print("helm/tern/README.md is not what readme.py writes: run helm/tern/readme.py")
            return 1
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
