"""Ingest: files in, rows in the warehouse. One module a step, each entered by its own name
(`from jixiao.ingest.run import ingest`), so a reader process imports only what reads:

- `listing`    the file walk: folders in sorted order, archives listed as they are met, what was passed over and why
- `reading`    one file → `DocumentResult` (extract, then normalize): what runs in a reader process, without DuckDB
- `workers`    the reader processes: a time limit per file, a memory cap per process, a crash a sentence
- `planning`   what to read, asked of the warehouse: unchanged, stored already, failed before, or to read
- `writing`    storing what the readers send, in groups, each document whole or not at all
- `owed`       what stored documents owe (findings, project links), done by every command that writes
- `run`        the local engine: plan, read, write, owe; `ray_engine` the same plan and readers on Ray
- `loading`    a stage's shards (the ray engine's) into the warehouse, then what they owe
- `options`    `IngestOptions`, the one set of choices both engines take; `summary` what a run did; `progress` who hears it
"""
