"""deploy/Dockerfile read as docker build reads it: its stages, what each COPYs from the build context, its ENV, its
exec-form ENTRYPOINT, CMD and HEALTHCHECK."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def stages(text: str) -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages of (instruction, its arguments' text), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    out: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            out.append([])
        out[-1].append((word.upper(), rest.strip()))
    return out


def copies(stage) -> list[tuple[str, str]]:
    """(source, destination) of each COPY from the build context (not --from another stage)."""
    found = []
    for word, rest in stage:
        args = shlex.split(rest)
        if word != "COPY" or any(a.startswith("--from") for a in args):
            continue
        *sources, dest = [a for a in args if not a.startswith("--")]
        found += [(s, dest) for s in sources]
    return found


def env_of(stage) -> dict[str, str]:
    env = {}
    for word, rest in stage:
        if word == "ENV":
            env.update(a.split("=", 1) for a in shlex.split(rest))
    return env


def exec_form(stage, word: str) -> list[str]:
    """The JSON argument list of ENTRYPOINT, CMD or HEALTHCHECK ... CMD."""
    rest = next(r for w, r in stage if w == word)
    return json.loads(rest[rest.index("["):])
