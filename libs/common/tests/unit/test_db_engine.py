import pytest
from sqlalchemy import MetaData

from switchyard.common.db import (
    DatabaseSettings,
    add_messaging_tables,
    asyncpg_dsn,
    asyncpg_url,
    create_engine,
)
from switchyard.common.settings import load_settings


def test_any_postgresql_url_gets_the_asyncpg_driver():
    assert asyncpg_url("postgresql://u:p@h:5/db").drivername == "postgresql+asyncpg"
    assert asyncpg_url("postgresql+psycopg://u:p@h:5/db").drivername == "postgresql+asyncpg"


def test_raw_dsn_keeps_the_password_for_asyncpg():
    assert asyncpg_dsn("postgresql+asyncpg://u:s3cret@h:5/db") == "postgresql://u:s3cret@h:5/db"


def test_other_databases_are_refused_without_leaking_the_password():
    with pytest.raises(ValueError, match="not a PostgreSQL URL") as caught:
        asyncpg_url("mysql://u:s3cret@h/db")
    assert "s3cret" not in str(caught.value)


def test_settings_come_from_database_variables():
    settings = load_settings(
        DatabaseSettings,
        prefix="DATABASE_",
        environ={"DATABASE_URL": "postgresql+asyncpg://u@h/db", "DATABASE_POOL_SIZE": "3"},
    )

    assert settings.url == "postgresql+asyncpg://u@h/db"
    assert settings.pool_size == 3


async def test_engine_is_configured_without_connecting():
    engine = create_engine(DatabaseSettings(url="postgresql://u@127.0.0.1:1/db", pool_size=2))
    try:
        assert engine.url.drivername == "postgresql+asyncpg"
        assert engine.pool.size() == 2  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def test_messaging_tables_join_the_service_metadata():
    metadata = MetaData()
    outbox, processed = add_messaging_tables(metadata)

    assert set(metadata.tables) == {"outbox", "processed_events"}
    assert {c.name for c in processed.primary_key.columns} == {"consumer", "event_id"}
    assert [c.name for c in outbox.primary_key.columns] == ["id"]
