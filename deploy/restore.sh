#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh into DATABASE_URL and the media folders:
#
#   deploy/restore.sh --yes /var/backups/festival/festival-20260301-033000
#
# Stop the web processes, the workers and beat first (nothing may write meanwhile), and start them again
# afterwards. The database's tables are dropped and recreated from the dump (pg_restore --clean --if-exists),
# in one transaction: if anything fails, the database stays as it was. Then, with MEDIA_STORAGE=file, the
# files are unpacked over PRIVATE_MEDIA_ROOT and MEDIA_ROOT: every file of the backup is back; files added
# since stay, unused. With MEDIA_STORAGE=s3 the bucket is restored by its own means (a version of that time).
#
# Reads the same variables as backup.sh, after /etc/festival/festival.env (or $FESTIVAL_ENV_FILE).
set -euo pipefail

if [ "${1:-}" != "--yes" ] || [ $# -ne 2 ]; then
  echo "usage: $0 --yes BACKUP_FOLDER   (replaces the database and restores the files; stop the services first)" >&2
  exit 2
fi
backup=$2

# shellcheck source=deploy/environment.sh
. "$(dirname "$0")/environment.sh"
trap 'echo "restore FAILED (see above)" >&2' ERR

[ -f "$backup/database.dump" ] || { echo "$backup has no database.dump" >&2; exit 1; }
if [ "$media_storage" = file ] && [ ! -f "$backup/private-media.tar" ]; then
  echo "$backup has no private-media.tar" >&2
  exit 1
fi
echo "==> checking $backup/SHA256SUMS" >&2
(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

echo "==> database <- database.dump" >&2
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$database_url" "$backup/database.dump"

if [ "$media_storage" = file ]; then
  echo "==> private media ($PRIVATE_MEDIA_ROOT) <- private-media.tar" >&2
  mkdir -p -- "$PRIVATE_MEDIA_ROOT"
  tar --extract --file="$backup/private-media.tar" --directory="$PRIVATE_MEDIA_ROOT" --no-same-owner
fi

if [ -f "$backup/media.tar" ]; then
  if [ "$media_storage" = file ]; then
    : "${MEDIA_ROOT:?MEDIA_ROOT is not set (MEDIA_STORAGE=file)}"
    echo "==> media ($MEDIA_ROOT) <- media.tar" >&2
    mkdir -p -- "$MEDIA_ROOT"
    tar --extract --file="$backup/media.tar" --directory="$MEDIA_ROOT" --no-same-owner
  else
    echo "==> media.tar not restored: MEDIA_STORAGE=$media_storage" >&2
  fi
fi
echo "restored from $backup" >&2
