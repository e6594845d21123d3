"""Executors of research work: a local process pool and a Ray cluster (issue 18)."""
