"""The `alchemiser` command line."""
