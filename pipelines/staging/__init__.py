"""Staging: what intake leaves under <warehouse>/_staging/ for the snapshot step.

batches.py  raw/ folders -> batches (Dagster partitions)
pool.py     bulk intake across processes, one chunk of files at a time
rows.py     parsed records -> typed Arrow tables (nested lists, no JSON strings)
store.py    the staged batch directories: what is already staged, incremental re-staging
"""
