"""Robustness: quarantine reasons, hostile content, mutation fuzzing, SIGKILL during a snapshot write."""
