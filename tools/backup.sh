#!/bin/sh
# Back up and restore the application's data: the PostgreSQL database (pg_dump -Fc / pg_restore) and the file
# store when it is the local media folder (a tar of it). `make backup` and `make restore` call this.
#
#   tools/backup.sh backup             writes $BACKUP_DIR/cdi-<UTC time>/database.dump and media.tar.gz
#   tools/backup.sh restore [FOLDER]   restores FOLDER (by default the newest backup in $BACKUP_DIR)
#
# Reads DATABASE_URL (postgres://…), DJANGO_MEDIA_ROOT (default: media/ in the project) and BACKUP_DIR (default:
# backups/ in the project). With DJANGO_S3_BUCKET set the files are in the bucket: only the database is backed up
# here; the bucket keeps its own history (versioning, replication: see the README).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BACKUP_DIR=${BACKUP_DIR:-$ROOT/backups}
MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$ROOT/media}
DATABASE_URL=${DATABASE_URL:-}

fail() { echo "backup.sh: $*" >&2; exit 1; }

case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  "") fail "DATABASE_URL is not set: backups are of the PostgreSQL database (postgres://user@host:5432/name)." ;;
  *) fail "DATABASE_URL is not a PostgreSQL database; backups use pg_dump and pg_restore (SQLite is for development: copy its file)." ;;
esac

backup() {
  target="$BACKUP_DIR/cdi-$(date -u +%Y%m%dT%H%M%SZ)"
  [ ! -e "$target" ] || fail "$target exists already; wait a second and run again."
  mkdir -p "$target.partial"
  # The database first, then the files: a file is written before its row commits, so every file the dump names is
  # already on disk when the tar runs (a newer file with no row is only an orphan; purge_uploads removes it).
  pg_dump --format=custom --no-owner --no-privileges --file="$target.partial/database.dump" "$DATABASE_URL"
  if [ -n "${DJANGO_S3_BUCKET:-}" ]; then
    echo "Files are in the bucket $DJANGO_S3_BUCKET: not copied (use bucket versioning and replication)." \
      > "$target.partial/FILES-IN-BUCKET"
  elif [ -d "$MEDIA_ROOT" ]; then
    tar -czf "$target.partial/media.tar.gz" -C "$MEDIA_ROOT" .
  else
    tar -czf "$target.partial/media.tar.gz" --files-from=/dev/null
  fi
  mv "$target.partial" "$target"  # a backup folder without .partial is complete
  echo "Backed up to $target"
}

restore() {
  source=${1:-}
  if [ -z "$source" ]; then
    source=$(ls -1d "$BACKUP_DIR"/cdi-* 2>/dev/null | grep -v '\.partial$' | sort | tail -n 1 || true)
    [ -n "$source" ] || fail "no backup in $BACKUP_DIR (set BACKUP_DIR, or name the backup folder)."
  fi
  [ -f "$source/database.dump" ] || fail "$source has no database.dump: not a complete backup."
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
    --dbname="$DATABASE_URL" "$source/database.dump"
  if [ -f "$source/media.tar.gz" ] && [ -z "${DJANGO_S3_BUCKET:-}" ]; then
    # Unpacked beside the media folder, then swapped in; the files it replaces are kept beside it.
    mkdir -p "$(dirname "$MEDIA_ROOT")"
    rm -rf "$MEDIA_ROOT.restoring"
    mkdir "$MEDIA_ROOT.restoring"
    tar -xzf "$source/media.tar.gz" -C "$MEDIA_ROOT.restoring"
    if [ -d "$MEDIA_ROOT" ]; then
      aside="$MEDIA_ROOT.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
      mv "$MEDIA_ROOT" "$aside"
      echo "The files it replaced are in $aside"
    fi
    mv "$MEDIA_ROOT.restoring" "$MEDIA_ROOT"
  fi
  echo "Restored $source"
}

case "${1:-}" in
  backup) backup ;;
  restore) shift; restore "$@" ;;
  *) fail "usage: tools/backup.sh backup | tools/backup.sh restore [FOLDER]" ;;
esac
