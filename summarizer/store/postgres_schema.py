"""The PostgreSQL store's tables, their versions and migrations, its connection and its one-line errors.

The tables live in their own schema, ``summarizer``, so the store can share a
database with other applications. ``summarizer.schema_version`` has one row per
migration applied; a store is brought to :data:`PG_STORE_VERSION` when it is
opened, in one transaction, under an advisory lock so that workers starting at
once do not race. A store made by a newer summarizer is refused.

No message ever holds the password of the ``--store`` URL: it is left out of
:func:`label` and replaced in every text taken from the server or the driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from summarizer.errors import StoreError, StoreFullError, UsageError
from summarizer.redact import remember_url, scrub

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "PG_STORE_VERSION", "SCHEMA_NAME", "connect", "label", "migrate", "pg_error"]

SCHEMA_NAME = "summarizer"

_V1 = """
CREATE TABLE items (
    key               TEXT PRIMARY KEY,
    content_hash      TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    article_json      TEXT NOT NULL,
    summary_json      TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    total_tokens      INTEGER,
    lease_owner       TEXT,
    lease_expires     DOUBLE PRECISION,
    created_at        DOUBLE PRECISION NOT NULL,
    updated_at        DOUBLE PRECISION NOT NULL
);
CREATE INDEX items_status ON items (status);
CREATE INDEX items_lease_owner ON items (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE TABLE runs (
    run_id     TEXT PRIMARY KEY,
    n          BIGINT GENERATED ALWAYS AS IDENTITY,
    started_at DOUBLE PRECISION NOT NULL,
    args_json  TEXT
);
CREATE TABLE occurrences (
    run_id   TEXT NOT NULL REFERENCES runs (run_id),
    seq      INTEGER NOT NULL,
    input_id TEXT,
    url      TEXT,
    source   TEXT,
    key      TEXT NOT NULL REFERENCES items (key),
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX occurrences_key ON occurrences (key);
CREATE TABLE extracted (
    key          TEXT PRIMARY KEY,
    article_json TEXT NOT NULL,
    created_at   DOUBLE PRECISION NOT NULL
)
"""

_V2 = """
CREATE TABLE provider_jobs (
    job_id        TEXT PRIMARY KEY,
    base_url      TEXT NOT NULL,
    input_file_id TEXT,
    status        TEXT NOT NULL,
    keys_json     TEXT NOT NULL,
    created_at    DOUBLE PRECISION NOT NULL,
    updated_at    DOUBLE PRECISION NOT NULL
)
"""

#: (version, what it adds, its statements), in order. To change the tables, append one (never edit one
#: that shipped); the SQLite store has its own list (:data:`summarizer.store.sqlite_files.MIGRATIONS`).
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "items, runs, occurrences and extracted pages", _V1),
    (2, "provider batch jobs (summarizer.store.jobs)", _V2),
)
PG_STORE_VERSION = MIGRATIONS[-1][0]

_MIGRATE_LOCK = 0x73756D6D  # pg_advisory_xact_lock key: one migrating worker at a time


def label(dsn: str) -> str:
    """The store as it may be shown: ``postgresql://user@host:port/dbname``, never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - no psycopg (said when connecting), or a malformed URL (likewise)
        from summarizer.store.base import store_label

        return store_label(dsn)
    host = str(info.get("host") or "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    where = f"[{host}]" if ":" in host and not host.startswith("/") else host
    return f"postgresql://{user}{where}{port}/{info.get('dbname') or ''}"


def _password(dsn: str) -> str | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001
        return None
    return str(value) if value else None


def clean(text: str, dsn: str) -> str:
    """``text`` (from the server or the driver) on one line, without the URL's password or any other secret."""
    password = _password(dsn)
    if password:
        text = text.replace(password, "***")
    return " ".join(scrub(text).split())


def connect(dsn: str) -> psycopg.Connection[Any]:
    """An autocommit connection to ``dsn`` (10 s to connect unless the URL says otherwise), or a one-line error."""
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise UsageError(
            "A postgresql:// store needs the PostgreSQL driver (psycopg 3), which is not installed.",
            hint="pip install 'summarizer[postgres]'",
        ) from None
    remember_url(dsn)  # every scrub() from now on masks the password (stderr, logs, stored errors)
    try:
        extra: dict[str, Any] = {} if "connect_timeout" in conninfo_to_dict(dsn) else {"connect_timeout": 10}
    except psycopg.ProgrammingError as e:
        raise UsageError(
            f"--store {label(dsn)} is not a valid PostgreSQL URL ({clean(str(e), dsn)}).",
            hint="Pass postgresql://user@host:port/dbname (the password in PGPASSWORD or ~/.pgpass).",
        ) from None
    try:
        return psycopg.connect(dsn, autocommit=True, application_name="summarizer", **extra)
    except psycopg.Error as e:
        raise pg_error(dsn, e) from None


def pg_error(dsn: str, exc: Exception, *, unsaved: int = 0) -> StoreError:
    """The one-line error for a PostgreSQL failure on the store at ``dsn``: what failed, where, how to fix it."""
    import psycopg

    where = label(dsn)
    detail = clean(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, dsn)
    detail = detail.removeprefix("connection failed: ")
    lowered = str(exc).lower()
    if isinstance(exc, psycopg.errors.DiskFull) or "no space left" in lowered:
        kept = f" {unsaved} finished summar{'y is' if unsaved == 1 else 'ies are'} kept in memory." if unsaved else ""
        error = StoreFullError(
            f"The PostgreSQL server of the store {where} is out of disk space ({detail}).{kept}",
            hint="Free space on the server, then run the same command again: what is stored is kept.",
            unsaved=unsaved,
        )
        error.detail = detail
        return error
    if "authentication failed" in lowered or "no password supplied" in lowered:
        return StoreError(
            f"PostgreSQL refused the login for the store {where} ({detail}).",
            hint="Check the user and password: in the --store URL, in PGPASSWORD or in ~/.pgpass.",
        )
    if "does not exist" in lowered and "database" in lowered:
        return StoreError(
            f"The database of the store {where} does not exist ({detail}).",
            hint="Create it (createdb, or CREATE DATABASE), or name another one in --store.",
        )
    if "permission denied" in lowered:
        return StoreError(
            f"The store {where} can't be used: {detail}.",
            hint=f"Grant the user CREATE on the database (for the schema {SCHEMA_NAME}), or use another user.",
        )
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"Can't reach the PostgreSQL server of the store {where}: {detail}.",
            hint="Check that the server is running and the host and port in --store; rerun to resume.",
        )
    return StoreError(f"The PostgreSQL store {where} could not be used: {detail}.", hint="Check the server and the --store URL.")


def too_new_error(dsn: str, version: int) -> StoreError:
    return StoreError(
        f"The store {label(dsn)} has version {version}, made by a newer summarizer; "
        f"this one knows versions up to {PG_STORE_VERSION}.",
        hint="Upgrade summarizer on this worker (pip install -U 'summarizer[postgres]'), or pass another --store.",
    )


def foreign_error(dsn: str, tables: list[str]) -> StoreError:
    return StoreError(
        f"The schema {SCHEMA_NAME} of {label(dsn)} holds tables of something else ({', '.join(tables[:5])}).",
        hint="Pass another database in --store; summarizer does not write into other applications' tables.",
    )


def _version(conn: psycopg.Connection[Any]) -> int | None:
    """The store's version; None when it has no version table yet."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA_NAME}.schema_version",)).fetchone()
    if row is None or row[0] is None:
        return None
    found = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {SCHEMA_NAME}.schema_version").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: psycopg.Connection[Any], dsn: str) -> int:
    """Bring the store to :data:`PG_STORE_VERSION` (the missing migrations, in order, in one transaction);
    return the version it had. Sets the connection's ``search_path`` to the store's schema."""
    conn.execute(f"SET search_path TO {SCHEMA_NAME}")
    before = _version(conn)
    if before == PG_STORE_VERSION:
        return before
    if before is not None and before > PG_STORE_VERSION:
        raise too_new_error(dsn, before)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA_NAME}")
        version = _version(conn)  # again, under the lock: another worker may have just migrated it
        if version is None:
            tables = [
                row[0] for row in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (SCHEMA_NAME,)
                )
            ]
            if tables:
                raise foreign_error(dsn, tables)
            conn.execute(
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            version = 0
        if version > PG_STORE_VERSION:
            raise too_new_error(dsn, version)
        for number, description, script in MIGRATIONS:
            if number > version:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)  # our own constant SQL
                conn.execute("INSERT INTO schema_version (version, description) VALUES (%s, %s)", (number, description))
    return before or 0
