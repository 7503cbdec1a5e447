"""Loading the user's settings from ``config/``: checked strictly, unknown keys are errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import InputError
from pipeline.ingest.common import DatasetSpec
from pipeline.paths import CONFIG_DIR, PROJECT_ROOT, RAW_DIR, resolve, resolve_inside

DEFAULT_CONFIG = CONFIG_DIR / "area.yaml"

AREA_KEYS = {
    "county", "england", "districts", "working_vintage", "disclosure", "datasets", "indicators",
    "localities", "targets", "options", "appraisal", "comparison",
}
#: The benchmark comparison levels offered (percent): Fingertips' 95% and 99.8%.
COMPARISON_LEVELS = (95.0, 99.8)
DATASET_KEYS = {"path", "reader", "options", "enabled"}
VINTAGES = {"LSOA01", "LSOA11", "LSOA21"}


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, with a one-line error for a missing or malformed file."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"config file not found (expected at {path})")
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot be decoded: byte 0x{exc.object[exc.start]:02x} at offset "
                               f"{exc.start} is not valid UTF-8 (expected a YAML file saved as "
                               "UTF-8)") from None
    except yaml.YAMLError as exc:
        line, message = yaml_problem(exc)
        raise InputError(path, f"is not valid YAML: {message}", line=line) from None

class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last
    silently, so a second ``file:`` below a first would undo it without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in first:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key '{key}' is given twice in one mapping (first on line "
                                    f"{first[key] + 1}); expected each key once",
                        key_node.start_mark)
                first[key] = key_node.start_mark.line
            except TypeError:  # an unhashable key: PyYAML reports it below
                break
        return super().construct_mapping(node, deep=deep)


_UNCLOSED = {
    "while scanning a quoted": "a quoted value opened on this line is not closed",
    "while parsing a flow sequence": "a [ list opened on this line is not closed with ]",
    "while parsing a flow mapping": "a { mapping opened on this line is not closed with }",
}


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The line where a YAML syntax error is, and what is wrong, in a few words.

    PyYAML marks where it noticed the problem; for an unclosed quote or bracket that is the end
    of the file, so the line the quote or bracket was opened on (its context) is named instead.
    """
    problem = str(getattr(exc, "problem", "") or exc).strip()
    context = str(getattr(exc, "context", "") or "").strip()
    at = getattr(exc, "problem_mark", None)
    opened = getattr(exc, "context_mark", None)
    unclosed = opened is not None and (
        "end of stream" in problem or context.startswith(("while parsing a flow",
                                                          "while scanning a quoted")))
    if unclosed:
        what = next((v for k, v in _UNCLOSED.items() if context.startswith(k)), context)
        where = f" on line {at.line + 1}" if at is not None else ""
        return opened.line + 1, f"{what} ({problem}{where})"
    return (at.line + 1 if at is not None else None), (f"{context}: {problem}" if context
                                                       else problem)


def check_keys(
    entry: Mapping[str, Any],
    allowed: Iterable[str],
    file: str | Path,
    where: str,
    *,
    required: Iterable[str] = (),
) -> None:
    """Raise :class:`InputError` for an unknown or missing key in a config entry."""
    if not isinstance(entry, Mapping):
        raise InputError(file, f"{where}: expected a mapping of keys to values, got {entry!r}")
    allowed = set(allowed)
    for key in entry:
        if key not in allowed:
            raise InputError(
                file, f"{where}: unknown key '{key}' (expected one of: {', '.join(sorted(allowed))})"
            )
    for key in required:
        if key not in entry or entry[key] in (None, ""):
            raise InputError(file, f"{where}: required key '{key}' is missing")


@dataclass(frozen=True)
class Area:
    """A named area with its GSS code."""

    code: str
    name: str


@dataclass(frozen=True)
class AreaConfig:
    """The user's area settings (``config/area.yaml``), with paths resolved."""

    path: Path
    county: Area
    england: Area
    districts: tuple[Area, ...]
    working_vintage: str
    min_count: int
    datasets_path: Path
    indicators_path: Path
    extra: Mapping[str, Path] = field(default_factory=dict)
    #: Confidence level (percent) of the benchmark comparisons: 95 or 99.8.
    comparison_level: float = 95.0

    def district(self, key: str) -> Area:
        """Find a district by code or name (case-insensitive)."""
        for d in self.districts:
            if key.lower() in (d.code.lower(), d.name.lower()):
                return d
        names = ", ".join(f"{d.name} ({d.code})" for d in self.districts)
        raise InputError(self.path, f"unknown district '{key}' (expected one of: {names})")

    def config_file(self, key: str) -> Path | None:
        """Path of an optional config file named in area.yaml (localities, targets ...)."""
        return self.extra.get(key)


def _area(value: Any, file: Path, where: str) -> Area:
    check_keys(value, {"code", "name"}, file, where, required=("code", "name"))
    return Area(code=str(value["code"]), name=str(value["name"]))


def load_area_config(path: str | Path | None = None) -> AreaConfig:
    """Load and check ``config/area.yaml`` (or the file given)."""
    path = resolve(path) if path is not None else DEFAULT_CONFIG
    raw = load_yaml(path) or {}
    check_keys(raw, AREA_KEYS, path, "area settings",
               required=("county", "england", "districts", "datasets", "indicators"))
    districts = raw["districts"]
    if not isinstance(districts, list) or not districts:
        raise InputError(path, "districts: expected a list of {code, name} entries")
    vintage = str(raw.get("working_vintage", "LSOA11"))
    if vintage not in VINTAGES:
        raise InputError(path, f"working_vintage: '{vintage}' is not one of {sorted(VINTAGES)}")
    disclosure = raw.get("disclosure") or {}
    check_keys(disclosure, {"min_count"}, path, "disclosure")
    min_count = disclosure.get("min_count", 5)
    if not isinstance(min_count, int) or min_count < 0:
        raise InputError(path, f"disclosure.min_count: expected a whole number >= 0, got {min_count!r}")
    comparison = raw.get("comparison") or {}
    check_keys(comparison, {"level"}, path, "comparison")
    level = comparison.get("level", 95)
    if isinstance(level, bool) or not isinstance(level, (int, float)) \
            or float(level) not in COMPARISON_LEVELS:
        raise InputError(path, f"comparison.level: expected 95 or 99.8 (percent), got {level!r}")

    def inside(key: str) -> Path:
        return resolve_inside(raw[key], PROJECT_ROOT, (PROJECT_ROOT, path.parent), file=path,
                              where=key, expected="a path inside the project or beside "
                                                  f"{path.name}")

    extra = {k: inside(k) for k in ("localities", "targets", "options", "appraisal")
             if raw.get(k)}
    return AreaConfig(
        path=path,
        county=_area(raw["county"], path, "county"),
        england=_area(raw["england"], path, "england"),
        districts=tuple(_area(d, path, f"districts[{i}]") for i, d in enumerate(districts)),
        working_vintage=vintage,
        min_count=min_count,
        datasets_path=inside("datasets"),
        indicators_path=inside("indicators"),
        extra=extra,
        comparison_level=float(level),
    )


def load_datasets(
    path: str | Path, raw_dir: Path = RAW_DIR, *, include_disabled: bool = False
) -> list[DatasetSpec]:
    """Load the dataset catalogue: one :class:`DatasetSpec` per enabled entry, in file order."""
    path = Path(path)
    raw = load_yaml(path) or {}
    check_keys(raw, {"datasets", "geography"}, path, "dataset catalogue", required=("datasets",))
    specs = []
    for key, entry in raw["datasets"].items():
        check_keys(entry, DATASET_KEYS, path, f"datasets.{key}", required=("path", "reader"))
        if not entry.get("enabled", True) and not include_disabled:
            continue
        specs.append(DatasetSpec(
            id=str(key),
            path=_raw_file(entry["path"], raw_dir, path, f"datasets.{key}.path"),
            reader=str(entry["reader"]),
            options=dict(entry.get("options") or {}),
        ))
    return specs


def load_geography_paths(path: str | Path, raw_dir: Path = RAW_DIR) -> dict[str, Path]:
    """Load the ``geography:`` section of the dataset catalogue: name -> absolute file path."""
    path = Path(path)
    raw = load_yaml(path) or {}
    section = raw.get("geography") or {}
    if not isinstance(section, Mapping):
        raise InputError(path, "geography: expected a mapping of names to file paths")
    return {str(k): _raw_file(v, raw_dir, path, f"geography.{k}") for k, v in section.items()}


def _raw_file(value: Any, raw_dir: Path, catalogue: Path, where: str) -> Path:
    """A catalogue path, from ``raw_dir``; refused unless it lies under ``raw_dir`` (where
    inputs are kept and the manifest records them) or beside the catalogue (a county's own
    settings folder with its files)."""
    return resolve_inside(str(value), raw_dir, (raw_dir, catalogue.parent), file=catalogue,
                          where=where, expected="a file under data/raw/ or beside "
                          f"{catalogue.name}", outside="data/raw/")
