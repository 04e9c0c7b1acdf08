"""The curators' workbench on Django's admin, one module per job."""

from errors_kb.admin import entries, feedback, gaps, imports, vendors, workbench  # noqa: F401  (each registers its models or views)
