"""Config layer: the YAML format, its models, overlays and located errors. Imports no engine."""

from odibi_core.config.loader import LoadedProject, load_project
from odibi_core.config.models import ProjectConfig

__all__ = ["LoadedProject", "ProjectConfig", "load_project"]
