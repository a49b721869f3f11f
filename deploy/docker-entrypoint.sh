#!/bin/sh
# Bring the database up to date, then run the container's command (gunicorn, or
# `flask --app patientapp worker`). init-db is safe to run on every start.
set -eu
flask --app patientapp init-db
exec "$@"
