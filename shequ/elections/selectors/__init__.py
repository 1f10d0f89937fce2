"""Reads of the elections app, always cut to the viewer's subtree; one module per part of the procedure."""
