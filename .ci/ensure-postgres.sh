#!/usr/bin/env bash
# Start the machine's PostgreSQL if it is not accepting connections (trust auth on 127.0.0.1).
set -euo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done
    echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
    exit 1
fi
