"""Bulk entry of standards data (premises, staff with evaluations, funds) from .xlsx/.csv files.

Flow: the registry import's readers (file → rows) → columns.py (headers) → a kind (premises.py, staff.py,
funds.py: cells → typed row; then written through the facilities, governance and funding services) →
engine.py (dry run / all-or-nothing / valid rows only) → report.py (.xlsx report, templates). services.py runs
it inline or as a background job; views.py and api.py are the pages and the REST API.
"""
