"""The local dashboard: server-rendered pages and JSON over the application services' results."""
