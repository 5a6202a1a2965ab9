-- A read-only PostgreSQL role for an inspector's workstation.
-- Read-only is then enforced by the database itself, not only by the app: the role is
-- granted SELECT only, so it can neither write nor take the ledger's write lock (a row
-- lock on ledger_lock needs UPDATE privilege).
-- Run as the database owner:  psql -v role=inspector -v pw="'secret'" -d ledger -f inspector_role.sql
-- (or: python main.py --db URL db readonly-role inspector --password-env INSPECTOR_PW)
-- After `db roles` the tables belong to the owner role: run this as that role (or a
-- superuser with SET ROLE to it) so that tables a later update adds are readable too.
-- `db roles --inspector NAME` sets up an inspector role itself, with the owner and app.
CREATE ROLE :"role" LOGIN PASSWORD :pw NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE :"role" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"role";
