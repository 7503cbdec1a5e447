"""environment.yml (conda) must list the same packages at the same versions as pyproject.toml."""

import tomllib

import yaml

from pipeline.paths import PROJECT_ROOT


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = {}
    for dep in deps:
        assert "==" in dep, f"pyproject dependency '{dep}' is not pinned with =="
        name, version = dep.split("==")
        pins[name.strip().lower()] = version.strip()
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        assert isinstance(dep, str), "environment.yml: pip sub-sections are not expected"
        name, _, version = dep.partition("=")
        pins[name.strip().lower()] = version.strip()
    pins.pop("python")
    return pins


def test_environment_matches_pyproject():
    assert _conda_pins() == _pyproject_pins()


def test_every_dependency_is_pinned():
    assert all(v for v in _pyproject_pins().values())
