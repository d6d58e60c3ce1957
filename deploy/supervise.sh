#!/usr/bin/env bash
# One of the portal's processes kept running where systemd does not run (a container): what the units in
# deploy/systemd/ do, for the machines without them. Run it as the user of the process, in the background:
#
#   sudo -u festival deploy/supervise.sh web &        # festival-web.service
#   sudo -u festival deploy/supervise.sh uploads &    # festival-uploads.service
#   sudo -u festival deploy/supervise.sh worker@1 &   # festival-worker@1.service (worker@2, … likewise)
#   sudo -u festival deploy/supervise.sh beat &       # festival-beat.service
#   deploy/supervise.sh redis &                       # festival-redis.service: as root, Redis as redis
#
# Like the units: the command lines are theirs, read with the environment file (/etc/festival/festival.env, or
# $FESTIVAL_ENV_FILE; what the caller exported wins, and CELERY_CONCURRENCY and DOCUMENT_QUEUE default to the
# worker unit's values), files are created with umask 0027, and a process that stops for any reason — a crash,
# kill -9 — is started again after $FESTIVAL_RESTART_SECONDS (5). Its output is appended (never truncated) to
# $FESTIVAL_LOG_DIR/<name>.log (/var/log/festival). SIGTERM or SIGINT to this script stops the process the way
# systemctl stop does (SIGTERM: requests and tasks in progress finish first) and then the script; kill -9 on
# the script itself leaves the process running, unwatched.
#
#   deploy/supervise.sh --print worker@1              # the command it would run, and nothing else
set -euo pipefail
app=$(cd "$(dirname "$0")/.." && pwd)
print=
if [ "${1:-}" = --print ]; then
  print=1
  shift
fi
name=${1:?"usage: $0 [--print] web | uploads | worker@N | beat | redis | NAME -- COMMAND…"}
shift

umask 0027
export TZ=UTC  # stamps of lines the portal does not format (Redis's own, for one): in UTC too
cd "$app"
if [ "$name" != redis ]; then
  env_file=${FESTIVAL_ENV_FILE:-/etc/festival/festival.env}
  [ -r "$env_file" ] || { echo "$env_file is not readable (run as the festival user?)" >&2; exit 1; }
  caller=$(export -p | grep -v "^declare -[a-z]*r")
  export CELERY_CONCURRENCY=2 DOCUMENT_QUEUE=documents  # the worker unit's defaults
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
  eval "$caller"
fi

venv=$app/.venv/bin
case "$name" in
  web) command=(env GUNICORN_POOL=pages "$venv/gunicorn" --config deploy/gunicorn.conf.py) ;;
  uploads) command=(env GUNICORN_POOL=uploads "$venv/gunicorn" --config deploy/gunicorn.conf.py) ;;
  worker@*)
    command=("$venv/celery" -A festival worker "--hostname=worker${name#worker@}@$(hostname)"
      -Q "celery,$DOCUMENT_QUEUE" "--concurrency=$CELERY_CONCURRENCY"
      --max-tasks-per-child=100 --max-memory-per-child=1048576 --loglevel=INFO) ;;
  beat)
    command=("$venv/celery" -A festival beat --schedule=/var/lib/festival/celerybeat-schedule --loglevel=INFO) ;;
  redis)
    command=(redis-server /etc/redis/festival.conf)
    if [ "$(id -u)" = 0 ]; then command=(runuser -u redis -- "${command[@]}"); fi ;;
  *)
    [ "${1:-}" = -- ] || { echo "$0: unknown process $name (web, uploads, worker@N, beat, redis)" >&2; exit 2; }
    shift
    command=("$@") ;;
esac

if [ -n "$print" ]; then
  echo "${command[*]}"
  exit 0
fi

log_dir=${FESTIVAL_LOG_DIR:-/var/log/festival}
log=$log_dir/$name.log
restart=${FESTIVAL_RESTART_SECONDS:-5}
note() { echo "$(date -u +%Y-%m-%dT%H:%M:%S+00:00) supervise.sh: $name $*" >>"$log"; }

child=
stopping=
stop() {
  stopping=1
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
}
trap stop TERM INT

while :; do
  "${command[@]}" >>"$log" 2>&1 &
  child=$!
  note "started (process $child)"
  # wait returns early when a signal arrives: wait again until the process has really ended.
  status=0
  wait "$child" || status=$?
  while kill -0 "$child" 2>/dev/null; do
    status=0
    wait "$child" || status=$?
  done
  child=
  if [ -n "$stopping" ]; then
    note "stopped (status $status)"
    exit 0
  fi
  note "ended with status $status; starting it again in $restart s"
  sleep "$restart" &
  wait $! || true
  if [ -n "$stopping" ]; then exit 0; fi
done
