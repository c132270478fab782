"""Stages: the warehouse's tables in Parquet shards, written by readers on many machines and loaded
into one DuckDB file later.

A shard is the warehouse of one batch of documents: the batch is stored into an in-memory DuckDB
warehouse by the same code a local ingest stores with (same rows, same keys, same fallbacks), and
each table is written out as `shards/SHARD/TABLE.parquet`. Its manifest, `manifest/SHARD.json`,
is written last: a shard without one is unfinished and ignored, so a reader killed mid-write leaves
nothing that counts. The stage may be a local folder or any URI pyarrow's filesystems open
(s3://, gs://, hdfs://).

Loading is idempotent by doc_id: bytes already stored only get their paths recorded, unless what
is stored is a failure (a new reading replaces it) or the load is a reread.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from jixiao.base.db import one_value, transaction
from jixiao.base.errors import SettingError
from jixiao.base.i18n import _
from jixiao.base.model import REPORT_TABLES

from .schema import SCHEMA_VERSION, migrate
from .store import FileStat, Pending, delete_document, insert_rows, remember_files, store_group

CONTENT_TABLES = ("documents", "unread", "reports", *REPORT_TABLES)  # what a document owns
SHARD_TABLES = (*CONTENT_TABLES, "document_paths", "file_index")


class StageError(SettingError):
    """A stage that cannot be used as asked; one sentence (a usage error)."""


@dataclass(frozen=True)
class StagedFile:
    path: str
    size_bytes: int
    mtime_ns: int
    doc_id: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Shard:
    shard_id: str
    schema_version: int
    files: tuple[StagedFile, ...]
    rows: dict[str, int]
    written_at: str
    checksums: dict[str, str]  # table → sha256 of its Parquet file: what is loaded is what was written


def _shard_of(data) -> Shard:
    """A manifest's shard, or ValueError when the manifest is not one jixiao wrote."""
    if not isinstance(data, dict) or set(data) != {f for f in Shard.__dataclass_fields__}:
        raise ValueError("its fields are not a shard's")
    if (
        not isinstance(data["files"], list)
        or not isinstance(data["checksums"], dict)
        or set(data["checksums"]) != set(SHARD_TABLES)
        or not isinstance(data["schema_version"], int)
    ):
        raise ValueError("its files, checksums or schema version are not a shard's")
    try:
        files = tuple(StagedFile(**x) for x in data["files"])
    except TypeError as exc:
        raise ValueError("a file entry is not a staged file's") from exc
    if not isinstance(data["shard_id"], str) or "/" in data["shard_id"] or ".." in data["shard_id"]:
        raise ValueError("its shard id is not a name")
    return Shard(**{**data, "files": files})


def _filesystem(uri: str):
    from pyarrow import fs

    if "://" not in uri:
        return fs.LocalFileSystem(), str(Path(uri).resolve())
    try:
        return fs.FileSystem.from_uri(uri)
    except Exception as exc:  # an unknown scheme, missing credentials: pyarrow says which
        raise StageError(_("The stage {uri} cannot be opened ({value}).").format(uri=uri, value=str(exc).splitlines()[0])) from exc


class Stage:
    """A stage at a folder or URI: write shards, list the finished ones, read their tables."""

    def __init__(self, uri: str | Path) -> None:
        self.uri = str(uri)
        self.fs, self.root = _filesystem(self.uri)

    def must_exist(self) -> Stage:
        """This stage, when its folder holds a stage (a manifest/ folder); StageError otherwise."""
        from pyarrow import fs

        try:
            kind = self.fs.get_file_info(self.root).type
            manifests = self.fs.get_file_info(f"{self.root}/manifest").type
        except Exception as exc:  # credentials, network: pyarrow says which
            raise StageError(_("The stage {uri} cannot be read ({value}).").format(uri=self.uri, value=str(exc).splitlines()[0])) from exc
        if kind == fs.FileType.NotFound:
            raise StageError(_("There is no stage at {uri}; give the --stage folder `ingest --engine ray` wrote.").format(uri=self.uri))
        if manifests != fs.FileType.Directory:
            raise StageError(
                _("{uri} is not a stage (it has no manifest/ folder); give the --stage folder `ingest --engine ray` wrote.").format(uri=self.uri)
            )
        return self

    @property
    def local(self) -> bool:
        from pyarrow import fs

        return isinstance(self.fs, fs.LocalFileSystem)

    def _table_path(self, shard_id: str, table: str) -> str:
        return f"{self.root}/shards/{shard_id}/{table}.parquet"

    def _manifest_path(self, shard_id: str) -> str:
        return f"{self.root}/manifest/{shard_id}.json"

    def write(self, shard_id: str, pending: list[Pending], con: duckdb.DuckDBPyConnection | None = None) -> list[Pending]:
        """Store the documents into a shard (replacing an unfinished or earlier one of the same id:
        a batch retried after its reader was killed writes the same shard again, never a second);
        return them as stored (one the store refused is stored as failed, as locally).

        con: an in-memory warehouse to store them in first (a reader keeps one for all its batches and
        it is emptied here), else one made for this shard."""
        import pyarrow.parquet as pq

        own = con is None
        if con is None:
            con = duckdb.connect(":memory:")
            migrate(con)
        else:
            for table in (*SHARD_TABLES, "pending", "link_pending"):  # names from constants
                con.execute(f"DELETE FROM {table}")
        try:
            done = store_group(con, pending, replace=False, stored=set())
            self.fs.create_dir(f"{self.root}/shards/{shard_id}", recursive=True)
            rows, checksums = {}, {}
            for table in SHARD_TABLES:  # names from the constant above: the only text pasted into SQL
                data = con.sql(f"SELECT * FROM {table}").to_arrow_table()
                pq.write_table(data, self._table_path(shard_id, table), filesystem=self.fs)
                rows[table] = data.num_rows
                checksums[table] = self._checksum(shard_id, table)
        finally:
            if own:
                con.close()
        files = tuple(
            StagedFile(p.seen.path, p.seen.size_bytes, p.seen.mtime_ns, p.result.doc_id, p.result.status, p.result.error)
            for p in done
            if p.seen is not None
        )
        shard = Shard(shard_id, SCHEMA_VERSION, files, rows, datetime.now(UTC).isoformat(timespec="seconds"), checksums)
        self.fs.create_dir(f"{self.root}/manifest", recursive=True)
        text = json.dumps(asdict(shard), ensure_ascii=False, indent=1).encode("utf-8")
        if self.local:  # whole or absent: written aside, then renamed (an object store's PUT is whole already)
            partial = self._manifest_path(shard_id) + ".part"
            with self.fs.open_output_stream(partial) as out:
                out.write(text)
            self.fs.move(partial, self._manifest_path(shard_id))
        else:
            with self.fs.open_output_stream(self._manifest_path(shard_id)) as out:
                out.write(text)
        return done

    def shards(self) -> list[Shard]:
        """The finished shards (those with a manifest), oldest first."""
        from pyarrow import fs

        infos = self.fs.get_file_info(fs.FileSelector(f"{self.root}/manifest", allow_not_found=True))
        out = []
        for info in infos:
            if info.type != fs.FileType.File or not info.path.endswith(".json"):
                continue
            try:
                with self.fs.open_input_stream(info.path) as f:
                    out.append(_shard_of(json.loads(f.read().decode("utf-8"))))
            except (ValueError, UnicodeDecodeError) as exc:  # json's errors are ValueErrors too
                raise StageError(
                    _("The stage's manifest {path} is not one jixiao wrote ({exc}); remove it, or read the files again into a new stage.").format(
                        path=info.path, exc=exc
                    )
                ) from exc
        return sorted(out, key=lambda s: (s.written_at, s.shard_id))

    def _checksum(self, shard_id: str, table: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        with self.fs.open_input_stream(self._table_path(shard_id, table)) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def staged(self) -> dict[tuple[str, int, int], str]:
        """(path, size, mtime) → doc_id for every file in a finished shard: read already, not again."""
        return {(f.path, f.size_bytes, f.mtime_ns): f.doc_id for shard in self.shards() for f in shard.files}

    def read(self, shard: Shard, table: str):
        """A shard's table, once its file is checked to be the one its manifest recorded."""
        import pyarrow.parquet as pq

        try:
            matches = self._checksum(shard.shard_id, table) == shard.checksums[table]
        except OSError as exc:
            raise StageError(
                _("The stage's shard {shard_id} lacks its {table} table ({exc}); read those files again.").format(
                    shard_id=shard.shard_id, table=table, exc=exc
                )
            ) from exc
        if not matches:
            raise StageError(
                _(
                    "The stage's shard {shard_id} has a {table} table other than the one it was written with "
                    "(changed or damaged since); read those files again into a new stage."
                ).format(shard_id=shard.shard_id, table=table)
            )
        return pq.read_table(self._table_path(shard.shard_id, table), filesystem=self.fs)

    def table_files(self, table: str, shards: list[Shard] | None = None) -> list[str]:
        return [self._table_path(s.shard_id, table) for s in (self.shards() if shards is None else shards)]


def load_shard(con: duckdb.DuckDBPyConnection, stage: Stage, shard: Shard, reread: bool = False, loaded_at: datetime | None = None) -> set[str]:
    """Merge one shard into the warehouse in one transaction; return the doc_ids written.

    A document already stored is left as it is, and only its paths recorded, unless it is stored as
    failed and this is another reading of it (a success, or another failure), or reread. Documents
    get loaded_at as their ingested_at: the time the warehouse got them, one for a whole load, so
    which of two copies counts as the earlier (duplicate_of) does not hang on the order readers finished."""
    if shard.schema_version != SCHEMA_VERSION:
        raise StageError(
            _(
                "Shard {shard_id} was written by a jixiao with warehouse schema {schema_version}, this one has "
                "{SCHEMA_VERSION}; read those files again into a new stage."
            ).format(shard_id=shard.shard_id, schema_version=shard.schema_version, SCHEMA_VERSION=SCHEMA_VERSION)
        )
    tables = {table: stage.read(shard, table) for table in CONTENT_TABLES}  # paths and file_index come from the manifest
    docs = {d["doc_id"]: (d["status"], d["error"]) for d in tables["documents"].select(["doc_id", "status", "error"]).to_pylist()}
    with transaction(con):
        existing = {
            d: (status, error)
            for d, status, error in con.execute(
                "SELECT doc_id, status, error FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [list(docs)]
            ).fetchall()
        }
        remember_files(con, [(f.doc_id, FileStat(f.path, f.size_bytes, f.mtime_ns)) for f in shard.files])  # paths, file_index
        # a stored failure gives way to another reading of it, but not to the same failure loaded again
        take = [d for d, read in docs.items() if d not in existing or reread or (existing[d][0] == "failed" and read != existing[d])]
        for doc_id in take:
            if doc_id in existing:
                delete_document(con, doc_id)
        if take:
            for table in CONTENT_TABLES:
                _insert(con, table, tables[table], take, loaded_at)
            con.execute("INSERT INTO pending VALUES ('link') ON CONFLICT DO NOTHING")  # as a local store marks it
            insert_rows(con, "link_pending", ["doc_id"], [(doc_id,) for doc_id in take])
    return set(take)


def load_stage(con: duckdb.DuckDBPyConnection, stage: Stage, reread: bool | set[str] = False) -> tuple[int, int]:
    """Load every finished shard of the stage, each in its own transaction; return (shards, documents
    written). reread: True for every shard, or the ids of the shards whose readings replace what is stored."""
    shards = stage.shards()
    loaded_at = one_value(con.execute("SELECT CAST(current_timestamp AS TIMESTAMP)"))
    return len(shards), sum(len(load_shard(con, stage, shard, reread is True or shard.shard_id in (reread or ()), loaded_at)) for shard in shards)


def _insert(con: duckdb.DuckDBPyConnection, table: str, data, doc_ids: list[str], loaded_at: datetime | None = None) -> None:
    """Insert the rows of a shard table that belong to doc_ids, column by name."""
    if data.num_rows == 0:
        return
    columns = ", ".join(data.column_names)  # the shard's own columns: a warehouse table's, checked by the schema version
    key = "doc_id" if "doc_id" in data.column_names else "split_part(report_id, ':', 1)"  # report_id is doc_id:ordinal
    stamped = loaded_at is not None and "ingested_at" in data.column_names
    picked = "* REPLACE (CAST($2 AS TIMESTAMP) AS ingested_at)" if stamped else "*"
    con.register("shard_rows", data)
    try:
        con.execute(
            f"INSERT INTO {table} ({columns}) SELECT {picked} FROM shard_rows WHERE {key} IN (SELECT unnest($1::VARCHAR[]))",
            [doc_ids, loaded_at] if stamped else [doc_ids],
        )
    finally:
        con.unregister("shard_rows")


def stage_connection(stage: Stage) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose tables are views over the stage's finished shards, locked down
    like `query`'s: it reads only inside the stage's folder and can change no setting."""
    if not stage.local:
        raise StageError(
            _("`query --stage` reads a stage in a local folder; load {uri} with `jixiao load` or copy it here first.").format(uri=stage.uri)
        )
    shards = stage.must_exist().shards()
    if not shards:
        raise StageError(_("The stage {uri} has no finished shards yet.").format(uri=stage.uri))
    con = duckdb.connect(":memory:")
    try:
        for table in SHARD_TABLES:
            files = ", ".join("'" + p.replace("'", "''") + "'" for p in stage.table_files(table, shards))
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{files}], union_by_name = true)")
        root = stage.root.replace("'", "''")
        con.execute(f"SET allowed_directories = ['{root}']")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con
