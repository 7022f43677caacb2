"""A project folder opened for browsing and editing: the Studio's one handle on ``odibi_core``.

The Studio pages never load YAML, build graphs or query SQLite themselves; they ask a
:class:`Workspace`. It also draws the security line the Studio promises: every path a page
reads or writes goes through :meth:`Workspace.inside`, which refuses anything outside the
project folder (``..``, absolute paths elsewhere, symlinks pointing out).
"""

from __future__ import annotations

import os
from pathlib import Path

from odibi_core.catalog import RunCatalog
from odibi_core.config.loader import ENV_VAR, LoadedProject, known_environments, load_project
from odibi_core.config.yaml_source import load_yaml_file
from odibi_core.errors import ConfigError, OdibiError
from odibi_core.session import Session

PROJECT_VAR = "ODIBI_PROJECT"
CONFIG_NAMES = ("odibi.yaml", "odibi.yml", "project.yaml")


class OutsideProject(OdibiError):
    """A path that resolves outside the project folder."""


class Workspace:
    """One project: its folder, its config file (which may not exist yet) and its environments."""

    def __init__(self, path: str | os.PathLike) -> None:
        p = Path(path).expanduser().resolve()
        if p.is_file():
            self.root, self.config_file = p.parent, p
        else:
            self.root = p
            self.config_file = next((p / n for n in CONFIG_NAMES if (p / n).is_file()), p / CONFIG_NAMES[0])

    @classmethod
    def from_env(cls, default: str | os.PathLike | None = None) -> Workspace:
        """``$ODIBI_PROJECT``, else ``default``, else the current folder."""
        return cls(os.environ.get(PROJECT_VAR) or default or Path.cwd())

    # --- what is there ----------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        """A config file is present (an empty folder is a valid, empty workspace)."""
        return self.config_file.is_file()

    @property
    def name(self) -> str:
        return self.root.name

    def environments(self) -> list[str]:
        """Env names from the ``environments:`` block and ``env.<name>.yaml`` files; [] if unreadable."""
        if not self.exists:
            return []
        try:
            data, _ = load_yaml_file(self.config_file)
        except OdibiError:
            return sorted(p.name[4:-5] for p in self.root.glob("env.*.yaml"))
        return known_environments(data if isinstance(data, dict) else {}, self.root)

    def default_env(self) -> str | None:
        envs = self.environments()
        wanted = os.environ.get(ENV_VAR)
        if wanted in envs:
            return wanted
        return "dev" if "dev" in envs else None

    # --- loading ----------------------------------------------------------------------------
    def load(self, env: str | None = None) -> LoadedProject:
        """The validated project; raises :class:`ConfigError` (located) when it is broken or missing."""
        if not self.exists:
            raise ConfigError(f"no odibi.yaml in {self.root}",
                              hint="create one from a template in the Builder, or point ODIBI_PROJECT at a project")
        return load_project(self.config_file, env=env)

    def session(self, env: str | None = None) -> Session:
        """A fresh session (connections open lazily); the caller closes it."""
        if not self.exists:
            self.load(env)  # raises the "no odibi.yaml" error
        return Session(self.config_file, env=env)

    def catalog(self, env: str | None = None) -> RunCatalog | None:
        """The run catalog, or ``None`` when nothing has run yet: viewing never creates files."""
        session = self.session(env)
        try:
            folder = session.system_dir
        finally:
            session.close()
        if not (folder / "catalog.db").is_file():
            return None
        return RunCatalog(folder)

    def story_dir(self, env: str | None = None) -> Path:
        session = self.session(env)
        try:
            return self.inside(session.story_dir)
        finally:
            session.close()

    # --- the security line ------------------------------------------------------------------
    def inside(self, path: str | os.PathLike) -> Path:
        """``path`` (relative to the project root, or absolute) resolved, if it stays in the project.

        Raises :class:`OutsideProject` otherwise, so a crafted run id, story name or node path
        cannot make the Studio read or write elsewhere on the machine."""
        p = Path(path)
        resolved = (p if p.is_absolute() else self.root / p).resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise OutsideProject(f"'{path}' is outside the project folder {self.root}; the Studio only reads "
                                 f"and writes inside it")
        return resolved
