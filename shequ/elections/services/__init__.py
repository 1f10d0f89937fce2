"""Writes of the elections app, one module per part of the procedure (DESIGN.md §3: <entity>_<verb>)."""
