"""A local SMTP sink (aiosmtpd) that keeps every mail in STACK_DIR/mail, a Maildir."""

from __future__ import annotations

from .config import StackConfig
from .procs import ProcessSpec

NAME = "smtp"


def spec(config: StackConfig) -> ProcessSpec:
    listen = f"{config.host}:{config.port('SMTP_PORT')}"
    argv = [str(config.paths.venv_python), "-m", "aiosmtpd", "--nosetuid", "--listen", listen]
    argv += ["--class", "aiosmtpd.handlers.Mailbox", str(config.paths.mail)]
    return ProcessSpec(name=NAME, argv=argv, log=config.paths.log(NAME), cwd=config.paths.stack)
