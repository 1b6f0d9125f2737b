"""Batch progress: each bulk decision's counts and status, and what became of each of its subjects."""
