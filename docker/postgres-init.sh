#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty volume: the API's own role,
# without superuser rights, owning the API's database. Its password comes from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE smarketing LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
CREATE DATABASE smarketing OWNER smarketing;
SQL
