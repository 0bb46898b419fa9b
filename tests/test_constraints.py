"""deploy/constraints.txt pins every dependency, at a version pyproject.toml allows.

The constraints are what ./dev test, the deploy guide's install and the Dockerfile use; a
dependency added to pyproject.toml without a pin would float on the server, a pin below a
raised lower bound would make pip refuse to install.
"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, Version]:
    lines = (ROOT / "deploy" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    return {canonicalize_name(name): Version(version) for name, version in pairs}


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in project["dependencies"] + extras["test"] + extras["ocr"] + ["rapidocr-onnxruntime"]]


def test_every_dependency_is_pinned_within_its_bounds():
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in deploy/constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), f"{name}=={pinned[name]} vs {requirement}"


def test_the_tested_versions_are_the_pinned_ones():
    from importlib.metadata import version

    mismatched = {name: (str(pin), version(name)) for name, pin in pins().items() if Version(version(name)) != pin}
    assert mismatched == {}  # ./dev test installed exactly these
