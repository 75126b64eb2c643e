"""The import command: upload, follow, summarise."""

from __future__ import annotations

import time

from rich.console import Console

from switchyard.cli.api import GatewayClient
from switchyard.cli.args import ImportOptions
from switchyard.cli.models import ImportRead
from switchyard.cli.progress import live_progress, poll
from switchyard.cli.summary import errors_table, exit_code, summary_table

QUIET_POLL_S = 0.5


def _ignore(_: ImportRead) -> None:
    return None


def follow_job(client: GatewayClient, job: ImportRead, console: Console, *, live: bool) -> ImportRead:
    if live:
        return live_progress(client, job, console)
    if job.is_terminal:
        return job
    return poll(client, job.id, _ignore, interval=QUIET_POLL_S, sleep=time.sleep)


def run_import(opts: ImportOptions, client: GatewayClient, console: Console) -> int:
    """Upload the file, wait for the job to end, print its summary and first errors; return the exit code."""
    upload = client.upload(
        opts.file, dry_run=opts.dry_run, notify=opts.notify, force=opts.force, mapping=opts.mapping
    )
    job = upload.job
    if upload.reused:
        console.print(
            f"[yellow]This file was already uploaded in the last 24 h: showing job {job.id} "
            "(pass --force for a new one).[/]"
        )
    else:
        console.print(f"Import {job.id} accepted ({'dry run' if job.dry_run else 'live'}).")
    try:
        job = follow_job(client, job, console, live=opts.progress and console.is_terminal)
    except KeyboardInterrupt:
        console.print(f"[yellow]Stopped following; import {job.id} goes on on the server.[/]")
        raise
    console.print(summary_table(job))
    if opts.errors and job.failed:
        errors = client.list_errors(job.id, opts.errors)
        if errors:
            console.print(errors_table(errors, failed=job.failed))
    return exit_code(job)
