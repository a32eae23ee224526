"""pyproject.toml and environment.yml declare the same dependencies."""

import re
import tomllib

from tests.conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_agrees_with_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in py["dependencies"]}
    dev = {_name(r) for r in py["optional-dependencies"]["dev"]}
    env = (ROOT / "environment.yml").read_text()
    conda = {_name(m.group(1)) for m in re.finditer(r"^  - ([A-Za-z0-9_.-]+[^\n]*)$", env, re.M)}
    conda -= {"python", "pip", "pip:", "conda-forge"}
    # conda-forge names that differ from PyPI's
    conda = {{"python-duckdb": "duckdb"}.get(n, n) for n in conda}
    assert runtime | dev == conda
    assert '-e ".[dev]"' in env
    assert py["scripts"]["aligndx"] == "toolkit.cli:main"
