"""Runs the whole Switchyard stack as local processes, without Docker."""
