"""The ingest database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from switchyard.common.db import add_erased_users_table, add_messaging_tables

metadata = MetaData()

# Whom imports onboarded, from auth's answers (service_layer/answers.py); forgotten on erasure.
onboarded_users = Table(
    "onboarded_users",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    # Null for people recorded before auth's answers named the username.
    Column("username", Text, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("uploaded_by", Uuid, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_sha256", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("notify", Boolean, nullable=False),
    Column("mapping", JSONB, nullable=True),
    Column("status", Text, nullable=False),
    Column("total", Integer, nullable=True),
    Column("rows_read", Integer, nullable=False, server_default=text("0")),
    Column("rows_sent", Integer, nullable=False, server_default=text("0")),
    Column("invalid", Integer, nullable=False, server_default=text("0")),
    Column("created", Integer, nullable=False, server_default=text("0")),
    Column("rejected", Integer, nullable=False, server_default=text("0")),
    Column("file_done", Boolean, nullable=False, server_default=text("false")),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    # The same file again within the duplicate window finds its job through this.
    Index("ix_imports_content_sha256", "content_sha256", "created_at"),
    Index("ix_imports_created_at", "created_at"),
)

# Why a row was not imported: refused here (validation) or by auth (already exists).
import_errors = Table(
    "import_errors",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("import_id", Uuid, ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column_name", Text, nullable=True),
    Column("code", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("value", Text, nullable=True),
    Index("ix_import_errors_import_row", "import_id", "row_number", "id"),
    # A duplicate row quotes an earlier row's email or username: found by it when that person is erased.
    Index("ix_import_errors_duplicate_value", "value", postgresql_where=text("code = 'duplicate'")),
)

# One answer per row sent: auth may answer a row twice (it was sent again after a crash),
# and only the first answer counts. outcome: 1 created, 2 rejected. A working table: a job's rows
# are pruned once it takes no more answers (adapters/pruning.py).
# No foreign key: rows are written only under the job's row lock (service_layer/answers.py), which
# a key would check again for every row (~3 us of PostgreSQL's CPU a row, bench/README.md).
import_answers = Table(
    "import_answers",
    metadata,
    Column("import_id", Uuid, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("outcome", SmallInteger, nullable=False),
    PrimaryKeyConstraint("import_id", "row_number", name="pk_import_answers"),
)

# The fingerprints of the emails and usernames an import's accepted rows took, each with its row
# (domain/fingerprints.py): how a later row of the same file is found to be a duplicate, and what a
# resumed import goes on from. Written with each checkpoint; a working table, pruned once the file
# is read to the end (adapters/pruning.py). No foreign key, as for the answers: written only under
# the job's row lock.
import_claims = Table(
    "import_claims",
    metadata,
    Column("import_id", Uuid, nullable=False),
    Column("fingerprint", BigInteger, nullable=False),
    Column("row_number", Integer, nullable=False),
    PrimaryKeyConstraint("import_id", "fingerprint", name="pk_import_claims"),
)

add_messaging_tables(metadata)
erased_users = add_erased_users_table(metadata)
