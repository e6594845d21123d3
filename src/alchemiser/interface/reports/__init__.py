"""HTML reports rendered from use-case results (plotly charts in self-contained files)."""
