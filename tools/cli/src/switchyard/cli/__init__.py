"""Switchyard command-line client."""
