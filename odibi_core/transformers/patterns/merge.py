"""MERGE an engine frame, or every micro-batch of a Spark stream, into a Delta table.

Both engines hand the MERGE the same thing, an Arrow table, and the one implementation in
:mod:`odibi_core.formats.delta_merge` does the rest, so pandas and Spark produce the same
table and commit it the same way (Delta's Spark jars are not needed).

A Spark streaming source merges through ``foreachBatch``: each micro-batch is a plain Spark
frame, converted to Arrow and merged, one Delta commit per micro-batch. The stream's progress
lives in its checkpoint, so a restarted query carries on after the last finished batch; a
batch that failed half-way committed nothing and is replayed. Delivery is at least once, and
replaying an upsert gives the same rows (only ``updated_at`` moves).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from odibi_core.engines.base import Engine
from odibi_core.errors import OdibiError
from odibi_core.formats.delta_merge import MergeOptions, MergeOutcome, merge_into
from odibi_core.transformers.patterns.target import Target


def merge_frame(engine: Engine, df: Any, target: Target, opts: MergeOptions, *,
                now: dt.datetime | None = None) -> MergeOutcome:
    """MERGE the frame ``df`` (pandas, Spark or Arrow) into ``target``."""
    table = df if isinstance(df, pa.Table) else engine.to_arrow(df)
    return merge_into(table, target.uri, target.storage_options, opts, target.where, now=now, local=target.local)


class StreamMergeError(OdibiError):
    """A streaming merge stopped; the micro-batch that failed committed nothing."""


def merge_stream(stream_df: Any, target: Target, opts: MergeOptions, checkpoint: str, *,
                 available_now: bool = True, query_name: str | None = None) -> list[MergeOutcome]:
    """Run the Spark streaming frame ``stream_df`` and MERGE each micro-batch into ``target``.

    ``checkpoint`` is a folder (a resolved path or URI) where Spark keeps the stream's progress.
    With ``available_now`` (the default) the query processes what the source holds now, in as
    many micro-batches as it needs, and stops; the outcomes of the batches that changed
    something are returned. Otherwise the query keeps running and this call waits for it.
    """
    outcomes: list[MergeOutcome] = []

    def merge_batch(batch_df: Any, batch_id: int) -> None:
        table = batch_df.toArrow()
        if table.num_rows:
            outcomes.append(merge_into(table, target.uri, target.storage_options, opts, target.where,
                                       local=target.local))

    writer = stream_df.writeStream.foreachBatch(merge_batch).option("checkpointLocation", checkpoint)
    if query_name:
        writer = writer.queryName(query_name)
    if available_now:
        writer = writer.trigger(availableNow=True)
    query = writer.start()
    try:
        query.awaitTermination()
    except Exception as exc:  # noqa: BLE001 - pyspark's StreamingQueryException wraps the batch's error
        raise StreamMergeError(
            f"streaming merge into {target.where} stopped: {_first_line(exc)}. The failed micro-batch committed "
            f"nothing; fix the cause and start the stream again (checkpoint: {checkpoint}).") from None
    return outcomes


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for marker in ("OdibiError: ", "MergeError: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.splitlines()[0] if text else type(exc).__name__
