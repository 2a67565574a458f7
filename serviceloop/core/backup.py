"""Backup and restore: the database and the uploaded files in one archive (``manage.py backup`` / ``restore``).

Archive (``serviceloop-backup-YYYYmmdd-HHMMSS.tar.gz``):
- ``manifest.json`` — when, which engine, the migration state and the row count of every table,
- ``db.sqlite3`` — SQLite: a consistent copy made with SQLite's online backup API while the site runs,
  or ``db.dump`` — PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore --clean``),
- ``media/…`` — every uploaded file (photos, attachments, work results).

Restore checks the manifest against the database it brought back: every table must hold as many rows as
when the backup was taken, or the command fails loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    pass


def table_counts(conn=None) -> dict[str, int]:
    conn = conn or connection
    counts = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def backup_create(*, destination: Path, now=None, alias: str = "default") -> Path:
    """Write one archive into the folder ``destination``; returns its path."""
    now = now or timezone.now()
    conn = connections[alias]
    conn.ensure_connection()
    destination.mkdir(parents=True, exist_ok=True)
    name = f"serviceloop-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if conn.vendor == "sqlite":
            target = sqlite3.connect(work / "db.sqlite3")
            try:
                conn.connection.backup(target)  # online: readers and writers carry on meanwhile
            finally:
                target.close()
            counts = _sqlite_counts(work / "db.sqlite3")
            db_file = "db.sqlite3"
        elif conn.vendor == "postgresql":
            db = conn.settings_dict
            counts = table_counts(conn)
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *_pg_args(db),
                 "-f", str(work / "db.dump"), db["NAME"]],
                env=_pg_env(db), capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            db_file = "db.dump"
        else:
            raise BackupError(f"backup does not support {conn.vendor}")
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "engine": conn.vendor,
            "database": db_file,
            "tables": counts,
            "media_files": 0,
        }
        media = Path(settings.MEDIA_ROOT)
        archive = destination / name
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(work / db_file, arcname=db_file)
            if media.is_dir():
                for path in sorted(p for p in media.rglob("*") if p.is_file()):
                    tar.add(path, arcname=f"media/{path.relative_to(media).as_posix()}")
                    manifest["media_files"] += 1
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(now.timestamp())
            import io

            tar.addfile(info, io.BytesIO(data))
    return archive


def _sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
    finally:
        db.close()


def backup_restore(*, archive: Path, alias: str = "default") -> dict:
    """Bring back the database and the uploaded files of ``archive``; returns its manifest.

    The current database's content is replaced. Uploaded files are written into MEDIA_ROOT (files with the
    same name are overwritten; others are left alone)."""
    conn = connections[alias]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # refuses absolute paths, .. and links out of the folder
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError("unknown backup format")
        conn.ensure_connection()
        if manifest["engine"] != conn.vendor:
            raise BackupError(f"this backup is of {manifest['engine']}, the database is {conn.vendor}")
        if conn.vendor == "sqlite":
            source = sqlite3.connect(work / "db.sqlite3")
            try:
                source.backup(conn.connection)
            finally:
                source.close()
        else:
            db = conn.settings_dict
            conn.close()
            result = subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                 *_pg_args(db), "-d", db["NAME"], str(work / "db.dump")],
                env=_pg_env(db), capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        media_src = work / "media"
        if media_src.is_dir():
            media = Path(settings.MEDIA_ROOT)
            for path in media_src.rglob("*"):
                if path.is_file():
                    target = media / path.relative_to(media_src)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
    counts = table_counts(conn)
    missing = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if missing:
        raise BackupError(f"restored row counts differ from the backup: {missing}")
    return manifest
