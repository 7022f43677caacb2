"""Helpers shared by the Studio pages: the open project, cached reads, sign-in, small widgets."""
