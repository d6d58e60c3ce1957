# Sourced by backup.sh and restore.sh: the portal's settings from /etc/festival/festival.env (or
# $FESTIVAL_ENV_FILE) if it is readable — what the caller exported wins over the file — and the checks both
# scripts need. Sets media_storage and database_url.

env_file=${FESTIVAL_ENV_FILE:-/etc/festival/festival.env}
if [ -r "$env_file" ]; then
  caller=$(export -p | grep -v "^declare -[a-z]*r")
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
  eval "$caller"
fi

: "${DATABASE_URL:?DATABASE_URL is not set}"
media_storage=${MEDIA_STORAGE:-file}
[ "$media_storage" != file ] || : "${PRIVATE_MEDIA_ROOT:?PRIVATE_MEDIA_ROOT is not set}"
# libpq reads postgres:// and postgresql:// URLs; Django also accepts pgsql://.
database_url=${DATABASE_URL/#pgsql:/postgresql:}
