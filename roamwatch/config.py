"""Configuration: built-in defaults, merged with a user TOML file, then environment overrides.

Fixed names (see DESIGN.md):
- ``ROAMWATCH_DATA_DIR``: the data directory (warehouse, raw archive, snapshots, logs).
- ``ROAMWATCH_CONFIG``: path of the user TOML file (default: ``./roamwatch.toml`` when present).
- ``ROAMWATCH_<SOURCE>_BASE_URL``: one source's base URL.
- ``ROAMWATCH_HTTP_<KEY>``: one ``[http]`` setting, e.g. ``ROAMWATCH_HTTP_BACKOFF_BASE=0.1``.
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration file or an environment override is invalid."""


def _deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _default_data_dir() -> Path:
    """``data/`` of the checkout when running from one, else a per-user data directory."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout / "data"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "roamwatch"


def _load_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc


@dataclass
class Config:
    """The effective configuration. Build it with :func:`load_config`."""

    data_dir: Path
    raw: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def serving_dir(self) -> Path:
        return self.data_dir / "serving"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "warehouse.lock"

    @property
    def http(self) -> dict[str, Any]:
        return self.raw.get("http", {})

    @property
    def warehouse(self) -> dict[str, Any]:
        return self.raw.get("warehouse", {})

    def source(self, name: str, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
        """Settings of one source: ``defaults`` (the collector's own), then the configuration
        files, then ``ROAMWATCH_<NAME>_BASE_URL``."""
        settings = _deep_merge(defaults or {}, self.raw.get("sources", {}).get(name, {}))
        override = self.env.get(f"ROAMWATCH_{name.upper()}_BASE_URL")
        if override:
            settings["base_url"] = override.rstrip("/")
        return settings

    def source_names(self) -> list[str]:
        return list(self.raw.get("sources", {}))


def load_config(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Read defaults, the user file and environment overrides into a :class:`Config`."""
    env = dict(os.environ) if env is None else env
    text = resources.files("roamwatch").joinpath("defaults.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)

    config_file: Path | None = None
    if path is not None:
        config_file = Path(path)
    elif env.get("ROAMWATCH_CONFIG"):
        config_file = Path(env["ROAMWATCH_CONFIG"])
    elif Path("roamwatch.toml").is_file():
        config_file = Path("roamwatch.toml")
    if config_file is not None:
        raw = _deep_merge(raw, _load_toml(config_file))

    for key, value in list(raw.get("http", {}).items()):
        override = env.get(f"ROAMWATCH_HTTP_{key.upper()}")
        if override:
            try:
                raw["http"][key] = type(value)(override)
            except ValueError as exc:
                raise ConfigError(f"ROAMWATCH_HTTP_{key.upper()}={override!r} is not a number") from exc

    data_dir = env.get("ROAMWATCH_DATA_DIR") or raw.get("data_dir")
    data_dir_path = Path(data_dir).expanduser() if data_dir else _default_data_dir()
    return Config(data_dir=data_dir_path.resolve(), raw=raw, config_file=config_file, env=env)
