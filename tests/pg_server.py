"""A throwaway PostgreSQL cluster for the tests: ``initdb`` in a temporary folder, ``pg_ctl start``.

One cluster per test session (fixture :func:`pg_cluster`), listening on a free
port of 127.0.0.1 and on a unix socket in its own folder; one new database per
test (fixture :func:`pg_url`, a ``postgresql://`` URL with a password). At the
end the server is stopped and its folder removed.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``)
or the PATH; without them (or without psycopg) the tests that need a server are
skipped, saying so. ``.ci/run`` installs the package when it is missing.
``initdb`` refuses to run as root: as root, the cluster runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: The role the tests connect as, over TCP with a password (scram-sha-256).
USER = "summarizer_test"


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest under /usr/lib/postgresql, else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin_dir: Path
    folder: Path
    port: int
    password: str
    run_as: str | None

    @property
    def socket_dir(self) -> Path:
        return self.folder / "sock"

    def url(self, dbname: str, password: str | None = None) -> str:
        """A TCP URL for ``dbname`` as the test role (with its password, or ``password``)."""
        secret = self.password if password is None else password
        return f"postgresql://{USER}:{secret}@127.0.0.1:{self.port}/{dbname}"

    def admin_url(self, dbname: str = "postgres") -> str:
        """The superuser over the unix socket (trust): to create databases and roles."""
        return f"postgresql:///{dbname}?host={self.socket_dir}&port={self.port}&user=postgres"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def run(self, *args: str) -> None:
        subprocess.run(self._cmd(*args), check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        data = self.folder / "data"
        self.run(
            str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.socket_dir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self.run(str(self.bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{self.password}'")  # type: ignore[arg-type]

    def stop(self) -> None:
        with_data = self.folder / "data"
        if (with_data / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(with_data), "-m", "immediate", "-w", "stop"),
                capture_output=True, timeout=60, check=False,
            )

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {USER}")  # type: ignore[arg-type]
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


class Unavailable(Exception):
    """PostgreSQL (or psycopg) is not installed here: why, and how to get it."""


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A running PostgreSQL cluster in a new temporary folder, stopped and removed afterwards.

    Raises :class:`Unavailable` when the binaries, psycopg or (as root) the ``postgres`` user are missing.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed: pip install -e '.[test]'") from None
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise Unavailable("PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)")
    run_as = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres user for initdb") from None
        run_as = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="summarizer-pg-"))
    (folder / "sock").mkdir()
    if run_as:
        entry = pwd.getpwnam(run_as)
        for path in (folder, folder / "sock"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(bin_dir, folder, _free_port(), "pw-" + secrets.token_hex(12), run_as)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server for this test session (skipped, saying why, when PostgreSQL or psycopg is missing)."""
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except Unavailable as why:
        pytest.skip(str(why))


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """A ``postgresql://`` URL (with a password) of a new, empty database, dropped after the test."""
    name = f"t_{secrets.token_hex(6)}"
    url = pg_cluster.create_database(name)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)
