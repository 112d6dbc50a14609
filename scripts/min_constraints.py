#!/usr/bin/env python3
"""Print pyproject.toml's lower bounds as exact pins (`name==version`): the runtime dependencies and the build
backend, the oldest set a user may get. scripts/check_min_versions.sh installs briefgen with them.

Every one of those requirements must be a plain `name>=version`: a dependency without a lower bound would
leave the oldest supported set undefined.
"""

import re
import sys
import tomllib
from pathlib import Path

LOWER_BOUND = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9A-Za-z.!+-]*)")


def pins(pyproject: Path) -> list[str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    requirements = [*data["build-system"]["requires"], *data["project"]["dependencies"]]
    result = []
    for requirement in requirements:
        match = LOWER_BOUND.fullmatch(requirement.strip())
        if not match:
            sys.exit(f"{pyproject}: expected 'name>=version', got {requirement!r}")
        result.append(f"{match[1]}=={match[2]}")
    return result


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(pins(root / "pyproject.toml")))
