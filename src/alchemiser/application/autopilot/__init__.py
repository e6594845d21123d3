"""Unattended operation (SPEC §15): one cycle per NYSE session, health, metrics and alerts."""
