-- One database and one login role per service, each database owned by its role and closed to
-- every other role. Idempotent: safe to run at every start.
-- Used by the local stack (deploy/local) and by docker-compose (init-databases.sh); psql reads
-- the role passwords from the environment so they never appear on a command line.
\set ON_ERROR_STOP on

-- No role but the superuser may connect to the maintenance databases.
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;

\set svc switchyard_auth
\getenv pw AUTH_DB_PASSWORD
\ir service-database.sql

\set svc switchyard_users
\getenv pw USERS_DB_PASSWORD
\ir service-database.sql

\set svc switchyard_notifications
\getenv pw NOTIFICATIONS_DB_PASSWORD
\ir service-database.sql

\set svc switchyard_ingest
\getenv pw INGEST_DB_PASSWORD
\ir service-database.sql
