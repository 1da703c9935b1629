"""Dagster definitions of trialbridge, one module per concern (assembled in pipelines.definitions)."""
