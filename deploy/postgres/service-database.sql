-- Included by databases.sql with the psql variables :svc (role and database name) and :pw.
\if :{?pw}
\else
  \echo 'missing password for' :svc '(set the <SERVICE>_DB_PASSWORD environment variable)'
  SELECT 1/0 AS missing_password;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'svc')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'svc')
\gexec
ALTER ROLE :"svc" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'pw';

SELECT format('CREATE DATABASE %I OWNER %I', :'svc', :'svc')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'svc')
\gexec
ALTER DATABASE :"svc" OWNER TO :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
\unset pw
