"""structlog configuration: one JSON object per line on stdout, stdlib logging included."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor

from switchyard.common.observability.redaction import redact_secrets

# Loggers that install their own handlers; routing them to the root makes their lines JSON too.
_FOREIGN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "faststream", "litestar")


def add_trace_context(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Add the current OpenTelemetry trace and span ids, if a span is recording."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def _service_adder(service: str) -> Processor:
    def add_service(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _console_traceback() -> structlog.typing.ExceptionRenderer:
    # structlog's default for the console is rich (when installed) with show_locals=True.
    if isinstance(structlog.dev.default_exception_formatter, structlog.dev.RichTracebackFormatter):
        return structlog.dev.RichTracebackFormatter(show_locals=False)
    return structlog.dev.plain_traceback


def configure_logging(
    level: str | int = "INFO", *, service: str, json: bool = True, stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib logging through one processor chain to ``stream`` (stdout)."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _service_adder(service),
        add_trace_context,
        redact_secrets,
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor
    # Frame locals may hold passwords or tokens, so tracebacks carry frames only, in either format.
    if json:
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False, use_rich=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(exception_formatter=_console_traceback())
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached, so a second configuration in the same process (tests) takes effect.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in _FOREIGN_LOGGERS:
        foreign = logging.getLogger(name)
        foreign.handlers.clear()
        foreign.propagate = True
