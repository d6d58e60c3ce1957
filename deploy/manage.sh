#!/usr/bin/env bash
# manage.py with the portal's production environment (/etc/festival/festival.env, or $FESTIVAL_ENV_FILE):
#
#   sudo -u festival deploy/manage.sh migrate
#   sudo -u festival deploy/manage.sh createsuperuser
#
# Run it as the festival user, like the services, so that what it writes belongs to them; with their umask,
# so that it is readable by the festival group (nginx) and no one else.
set -euo pipefail
umask 0027
app=$(cd "$(dirname "$0")/.." && pwd)
env_file=${FESTIVAL_ENV_FILE:-/etc/festival/festival.env}
[ -r "$env_file" ] || { echo "$env_file is not readable (run as the festival user?)" >&2; exit 1; }
caller=$(export -p | grep -v "^declare -[a-z]*r")  # what the caller exported wins over the file
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
eval "$caller"
exec "$app/.venv/bin/python" "$app/manage.py" "$@"
