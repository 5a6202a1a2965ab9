-- A read-only PostgreSQL role for an inspector's workstation.
-- Read-only is then enforced by the database itself, not only by the app.
-- Run as the database owner:  psql -v role=inspector -v pw="'secret'" -d ledger -f inspector_role.sql
-- (or: python main.py --db URL db readonly-role inspector --password-env INSPECTOR_PW)
CREATE ROLE :"role" LOGIN PASSWORD :pw NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE :"role" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"role";
