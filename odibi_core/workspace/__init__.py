"""The Studio-facing API: one project folder, opened for browsing, editing and running.

Pages of the Studio call only this package (and the result types it returns), so the browser
tier stays a thin skin: no page parses YAML, builds a graph or queries the catalog itself.
"""

from odibi_core.workspace.project import PROJECT_VAR, OutsideProject, Workspace

__all__ = ["PROJECT_VAR", "OutsideProject", "Workspace"]
