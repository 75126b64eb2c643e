"""The ingest HTTP API, mounted by the gateway at ``/api/v1/imports``."""

from switchyard.ingest.entrypoints.http.imports import ImportController

ROUTES = [ImportController]

__all__ = ["ROUTES"]
