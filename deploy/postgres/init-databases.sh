#!/bin/sh
# Run by the postgres image once, when it initialises an empty data volume: creates one database
# and login role per service from databases.sql. psql reads the passwords from the environment.
set -eu
: "${AUTH_DB_PASSWORD:?}" "${USERS_DB_PASSWORD:?}" "${NOTIFICATIONS_DB_PASSWORD:?}" "${INGEST_DB_PASSWORD:?}"
psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -f /switchyard/postgres/databases.sql
