"""Import of residents, households and buildings from .xlsx/.csv (dry run, report, commit)."""
