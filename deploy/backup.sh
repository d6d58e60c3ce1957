#!/usr/bin/env bash
# A backup of the portal: the database (pg_dump, custom format) and, with MEDIA_STORAGE=file, the files
# (PRIVATE_MEDIA_ROOT and MEDIA_ROOT) into a new dated folder. With MEDIA_STORAGE=s3 the files are in the
# bucket, kept by its own versioning or replication:
#
#   deploy/backup.sh [BACKUP_ROOT]      # default: $BACKUP_ROOT, else /var/backups/festival
#
# Reads DATABASE_URL, PRIVATE_MEDIA_ROOT, MEDIA_STORAGE, MEDIA_ROOT from the environment, after
# /etc/festival/festival.env (or $FESTIVAL_ENV_FILE) if it is readable. The folder appears under its final
# name only when everything is in it; any failure stops the script with a message and a non-zero status and
# leaves no partial folder behind. Prints the folder's path on its last line.
#
# Partial uploads (UPLOAD_TEMP_ROOT) are not kept: they expire within two days anyway. pg_dump must be of
# the server's major version or newer (postgresql-client-NN).
set -euo pipefail

# shellcheck source=deploy/environment.sh
. "$(dirname "$0")/environment.sh"
root=${1:-${BACKUP_ROOT:-/var/backups/festival}}

stamp=$(date +%Y%m%d-%H%M%S)
target="$root/festival-$stamp"
partial="$target.partial"
finished=0
cleanup() {
  if [ "$finished" != 1 ]; then
    rm -rf -- "$partial"
    echo "backup FAILED: nothing was written to $target" >&2
  fi
}
trap cleanup EXIT

if [ "$media_storage" = file ] && [ ! -d "$PRIVATE_MEDIA_ROOT" ]; then
  echo "PRIVATE_MEDIA_ROOT=$PRIVATE_MEDIA_ROOT is not a folder" >&2
  exit 1
fi
[ ! -e "$target" ] || { echo "$target exists already" >&2; exit 1; }
mkdir -p -- "$root"
mkdir -m 0700 -- "$partial"

# The database first: a file the dump refers to was written before the dump began, so it is in the tar.
echo "==> database -> $target/database.dump" >&2
pg_dump --format=custom --file="$partial/database.dump" "$database_url"

if [ "$media_storage" = file ]; then
  echo "==> private media ($PRIVATE_MEDIA_ROOT) -> private-media.tar" >&2
  tar --create --file="$partial/private-media.tar" --directory="$PRIVATE_MEDIA_ROOT" .
  : "${MEDIA_ROOT:?MEDIA_ROOT is not set (MEDIA_STORAGE=file)}"
  if [ -d "$MEDIA_ROOT" ]; then
    echo "==> media ($MEDIA_ROOT) -> media.tar" >&2
    tar --create --file="$partial/media.tar" --directory="$MEDIA_ROOT" .
  fi
else
  echo "==> MEDIA_STORAGE=$media_storage: the files are in the bucket, kept by its versioning or replication" >&2
fi

(cd "$partial" && sha256sum -- * >SHA256SUMS)
mv -- "$partial" "$target"
finished=1
du -sh -- "$target" >&2
echo "$target"
