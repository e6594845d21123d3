"""In-process doubles of external services (Alpaca, SMTP, ...) used by tests."""
