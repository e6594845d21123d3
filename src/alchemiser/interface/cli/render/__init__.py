"""Rich terminal renderers: each draws one result model and computes nothing."""
