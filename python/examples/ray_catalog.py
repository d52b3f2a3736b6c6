#!/usr/bin/env python3
"""Annotate a music library with mer on Ray: one row per audio file, the columns of
`mer catalog` (path, duration_s, arousal, valence, quadrant, confidence, model, error),
written as Parquet.

    python ray_catalog.py music/ -o catalog.parquet                  # local Ray, all cores
    python ray_catalog.py music/ -o catalog.parquet --workers 2 --model fast
    python ray_catalog.py /mnt/music -o /mnt/out/catalog/ --address auto   # a running cluster

Each Ray worker process loads one `mer.Predictor` (a callable class given to
`Dataset.map_batches`, so the model is loaded once per process, not once per file) and
predicts its batches of files with the GIL released. A file that cannot be read is a row with
its `error` (the other columns empty), never the end of the run.

Output: a path ending in `.parquet` is one file written by this (driver) process as the batches
come back; any other path is a folder that the workers write part files into
(`Dataset.write_parquet`), the way to go on a cluster whose nodes share a file system or an
object store (`s3://…`). Paths are stored relative to the folder named on the command line (a
file named directly keeps its name), as `mer catalog` stores them.

Needs: `pip install ./python "ray[data]"` (the mer package and Ray, on every node).
Prints one JSON line on stdout: files, errors, workers, seconds and rows/s.
"""

import argparse
import json
import os
import pathlib
import sys
import time

import mer
import pyarrow as pa
import pyarrow.parquet as pq
import ray

#: The catalog's columns and types (`mer catalog`, crate mer-catalog: quadrant 1-4 as uint8), in
#: order; `mer catalog`'s resume columns `size`/`mtime` are left out (no resume here).
SCHEMA = pa.schema([
    ("path", pa.string()),
    ("duration_s", pa.float64()),
    ("arousal", pa.float32()),
    ("valence", pa.float32()),
    ("quadrant", pa.uint8()),
    ("confidence", pa.float32()),
    ("model", pa.string()),
    ("error", pa.string()),
])


def list_files(inputs):
    """(path as stored, absolute path) of every audio file under `inputs`, found by content as
    `mer catalog` finds them (mer's one walker: sorted, hidden entries skipped, symlink loops
    safe)."""
    out = []
    for given in inputs:
        for path, relative in mer.audio_files(given, by_content=True):
            out.append((pathlib.Path(relative).as_posix(), str(pathlib.Path(path).resolve())))
    return out


class MerWorker:
    """One per Ray worker process: loads the model once, then predicts batches of files."""

    def __init__(self, model: str, threads: int):
        import mer  # imported in the worker process

        self.predictor = mer.Predictor(model)
        self.model = model
        self.threads = threads

    def __call__(self, batch: dict) -> pa.Table:
        files = [str(f) for f in batch["file"]]
        results = self.predictor.predict_many(files, threads=self.threads)
        cols = {name: [] for name in SCHEMA.names}
        for shown, r in zip(batch["path"], results):
            ok = "error" not in r
            cols["path"].append(str(shown))
            cols["duration_s"].append(r["duration_s"] if ok else None)
            cols["arousal"].append(r["arousal"] if ok else None)
            cols["valence"].append(r["valence"] if ok else None)
            cols["quadrant"].append(int(r["quadrant"].lstrip("Q")) if ok else None)
            cols["confidence"].append(r["confidence"] if ok else None)
            cols["model"].append(self.model)
            # The message names the absolute file; the row names it as stored.
            cols["error"].append("" if ok else r["error"])
        return pa.table(cols, schema=SCHEMA)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="audio files or folders (searched recursively)")
    ap.add_argument("-o", "--output", required=True,
                    help="a .parquet file (written by the driver) or a folder (written by the "
                         "workers)")
    ap.add_argument("--model", default="default",
                    help='"default", "fast" or a model file (readable on every node)')
    ap.add_argument("--workers", type=int, default=0,
                    help="mer worker processes (default: one per CPU of the cluster)")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per worker process (default 1: one CPU each)")
    ap.add_argument("--batch-size", type=int, default=8, help="files per batch")
    ap.add_argument("--address", default=None,
                    help='a running cluster ("auto", "ray://head:10001"); default: $RAY_ADDRESS, '
                         "else a local cluster started here")
    ap.add_argument("--object-store-gb", type=float, default=None,
                    help="object store size of the local cluster, GB (ignored with --address)")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    files = list_files(a.inputs)
    if not files:
        print(f"ray_catalog: no audio files found in {a.inputs}", file=sys.stderr)
        return 1
    address = a.address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address)
    else:
        ray.init(
            num_cpus=max(a.workers, 1) * a.threads if a.workers else None,
            object_store_memory=int(a.object_store_gb * 1e9) if a.object_store_gb else None,
            include_dashboard=False,
        )
    workers = a.workers or max(int(ray.cluster_resources().get("CPU", 1)) // a.threads, 1)
    ray.data.DataContext.get_current().enable_progress_bars = sys.stderr.isatty()
    t_ready = time.perf_counter()

    ds = ray.data.from_items([{"path": p, "file": f} for p, f in files],
                             override_num_blocks=max(workers * 4, 1))
    rows = ds.map_batches(
        MerWorker,
        fn_constructor_kwargs={"model": a.model, "threads": a.threads},
        batch_size=a.batch_size,
        concurrency=workers,
        num_cpus=a.threads,
        # mer's own thread pools follow the CPUs given to the worker.
        runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(a.threads)}},
    )
    n_rows = n_errors = 0
    if a.output.endswith(".parquet"):
        out = pathlib.Path(a.output)
        tmp = out.with_name(out.name + ".part")
        with pq.ParquetWriter(tmp, SCHEMA) as w:
            for batch in rows.iter_batches(batch_format="pyarrow", batch_size=None):
                batch = batch.cast(SCHEMA)
                w.write_table(batch)
                n_rows += batch.num_rows
                n_errors += sum(1 for e in batch["error"].to_pylist() if e)
        os.replace(tmp, out)  # readers never see half a file
    else:
        rows.write_parquet(a.output)
        t = pq.read_table(a.output, columns=["error"])
        n_rows = t.num_rows
        n_errors = sum(1 for e in t["error"].to_pylist() if e)
    t_end = time.perf_counter()
    if not address:
        ray.shutdown()
    stats = {
        "files": len(files),
        "rows": n_rows,
        "errors": n_errors,
        "workers": workers,
        "model": a.model,
        "startup_s": round(t_ready - t0, 2),
        "catalog_s": round(t_end - t_ready, 2),
        "rows_per_s": round(n_rows / (t_end - t_ready), 2),
        "rows_per_s_with_startup": round(n_rows / (t_end - t0), 2),
    }
    print(json.dumps(stats))
    if n_errors:
        print(f"ray_catalog: {n_errors} of {len(files)} files failed (see the error column)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
