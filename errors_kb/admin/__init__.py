"""The curators' workbench on Django's admin, one module per job."""

from errors_kb.admin import entries, vendors  # noqa: F401  (each registers its models)
