"""What ingest prunes beside consumers' processed events (switchyard.common.db.pruning)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Interval, and_, func, literal, or_, select

from switchyard.common.db.pruning import WhereRule
from switchyard.ingest.adapters.orm import import_answers, import_claims, imports
from switchyard.ingest.domain.model import FINISHED, ImportStatus

# How long after an import stops taking answers by the clock of the replica answering
# (service_layer.completion.answers_done) its records go by the database's: more than the two
# clocks can differ, so no answer is ever counted against records that are gone.
CLOCK_MARGIN = timedelta(hours=1)


def answer_records(answers_window: timedelta) -> WhereRule:
    """The answer records of imports that take no more answers (``import_answers``).

    They only serve to count each row's answer once. A completed import had every row answered;
    a cancelled or failed one may still be answered until ``answers_window`` after it ended. A
    million-row file would otherwise leave a million records for good.
    """
    status = imports.c.status
    completed = and_(status == ImportStatus.COMPLETED.value, imports.c.dry_run.is_(False))
    ended_long_ago = and_(
        status.in_([ImportStatus.CANCELLED.value, ImportStatus.FAILED.value]),
        imports.c.finished_at < func.now() - literal(answers_window + CLOCK_MARGIN, Interval),
    )
    done = select(imports.c.id).where(or_(completed, ended_long_ago))
    return WhereRule("answer-records", import_answers, import_answers.c.import_id.in_(done))


def claim_records() -> WhereRule:
    """The identities (``import_claims``) of imports whose file is read to the end, or that ended.

    They only serve to find the rows of the same file repeating an earlier row, while it is read.
    """
    finished = [status.value for status in FINISHED]
    done = select(imports.c.id).where(or_(imports.c.file_done.is_(True), imports.c.status.in_(finished)))
    return WhereRule("import-claims", import_claims, import_claims.c.import_id.in_(done))
