"""Fitting on tables that do not fit in memory: one streaming pass, then batches from disk.

A table given as a path or as DataFrame chunks (a
:class:`~sklearn_ganae._sources.TableSource`) is never held whole. Two things here:

- :func:`scan_table`, the encoder's one streaming pass. It reads every fragment once
  and keeps, in memory independent of the number of rows, *mergeable* statistics:
  per column the missing count, for numeric columns the count, mean and sum of squared
  deviations (merged with Chan et al.'s formula) and the minimum and maximum, for
  categorical columns the count of every value (rare-level grouping is decided after
  the pass), and a **bottom-k sample**: every row gets a pseudo-random key from its
  global row number and the seed, and the sample is the ``sample_rows`` rows of
  smallest key. That sample is uniform, does not depend on the order in which the
  fragments are read, and two scans of disjoint parts merge into the scan of their
  union (the ``sample_rows`` smallest keys of both), which is how the processes of a
  data-parallel fit share one pass. What needs the rows themselves (the inference
  of each column's role, quantiles, the mode-specific mixtures, decimals, dates) is
  fitted on the sample; the exact statistics then replace the sample's (see
  ``TabularEncoder._fit_scan``). The held-out rows of early stopping are chosen in
  the same pass, by a second key: at most ``VALID_ROWS`` rows, kept encoded in memory.
- :class:`StreamedRows`, what the training iterators read each epoch: the fragments
  in a fresh random order (the same in every process; a data-parallel process takes
  every ``world_size``-th), each read, stripped of the held-out rows, encoded, and
  mixed in a **shuffle buffer** of ``buffer_rows`` rows before it is cut into batches.

How close is that to a full shuffle? Rows of one fragment (a Parquet row group) stay
together until the buffer mixes them with the rows of the fragments read next to
them: a batch draws from about ``buffer_rows / fragment_rows`` fragments (4 with the
defaults, 65,536-row fragments and a 262,144-row buffer; more with smaller row
groups), and the fragment order changes every epoch. A table sorted by a column
therefore gives batches that mix a few sorted runs, which change every epoch; a
table whose row groups each hold one class gives batches of a few classes at a time.
The buffer's memory is ``buffer_rows`` encoded rows (about 40 MB for 40 encoded
columns), three times that while it is shuffled. ``benchmarks/bench_scale_fit.py``
measures the quality of a streamed fit against the in-memory fit of the same table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from sklearn_ganae._columns import DISCRETE_LEVELS

#: rows of the bounded sample the encoder fits what needs rows on
SAMPLE_ROWS = 100_000
#: held-out rows of a streamed fit's early stopping, at most
VALID_ROWS = 50_000
#: distinct values counted per column before the rarest are dropped from the counts
MAX_DISTINCT = 200_000
#: rows of the shuffle buffer of streamed training
BUFFER_ROWS = 1 << 18

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SAMPLE_SALT, _VALID_SALT = 1, 2


def row_keys(rows: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """Uniform pseudo-random keys in [0, 1) of global row numbers (splitmix64)."""
    with np.errstate(over="ignore"):
        key = np.uint64((int(seed) * 1_000_003 + int(salt)) % (1 << 64))
        z = np.asarray(rows, dtype=np.uint64) * _GOLDEN + key * _M2
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _is_moment_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _missing_as_nan(values: np.ndarray) -> np.ndarray:
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = np.nan
    return values


class ColumnScan:
    """The mergeable statistics of one column (see the module docstring)."""

    def __init__(self, name: str, moments: bool, counted: bool):
        self.name = name
        self.moments = moments
        self.counted = counted
        self.n = 0  # rows seen
        self.n_missing = 0
        self.count = 0  # observed numbers
        self.mean = 0.0
        self.m2 = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.values = None  # pd.Series: value -> count
        self.truncated = False
        # a numeric column's values are counted while there are few of them: the
        # encoder models a numeric column of at most DISCRETE_LEVELS values as a
        # categorical one, from exact counts
        self.few = moments and not counted
        self.many = False  # more than DISCRETE_LEVELS distinct values seen
        self.categories = None  # union of a category dtype's categories, in order

    def update(self, series: pd.Series, label: str) -> None:
        self.n += len(series)
        if isinstance(series.dtype, pd.CategoricalDtype):
            seen = list(series.cat.categories)
            if self.categories is None:
                self.categories = seen
            else:
                known = set(self.categories)
                self.categories += [c for c in seen if c not in known]
        if self.moments:
            v = series.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = np.isnan(v)
            self.n_missing += int(missing.sum())
            obs = v[~missing]
            if obs.size:
                if np.isinf(obs).any():
                    raise ValueError(
                        f"Column {self.name!r} contains infinity ({label}); replace "
                        "infinite values before fitting."
                    )
                self._merge_moments(
                    obs.size, float(obs.mean()), float(((obs - obs.mean()) ** 2).sum())
                )
                self.low = min(self.low, float(obs.min()))
                self.high = max(self.high, float(obs.max()))
        else:
            self.n_missing += int(pd.isna(series).sum())
        if self.counted:
            values = _missing_as_nan(series.to_numpy(dtype=object))
            counts = pd.Series(values, dtype=object).value_counts(dropna=False, sort=False)
            self._merge_counts(counts)
        elif self.few and not self.many:
            counts = series.value_counts(dropna=False, sort=False)
            if len(counts) > DISCRETE_LEVELS + 1:  # + 1: missing values
                self._too_many()
            else:
                counts.index = pd.Index(
                    _missing_as_nan(counts.index.to_numpy(object)), dtype=object
                )
                self._merge_counts(counts)
                if len(self.values) > DISCRETE_LEVELS + 1:
                    self._too_many()

    def _too_many(self) -> None:
        self.values, self.many = None, True

    def _merge_moments(self, n: int, mean: float, m2: float) -> None:
        total = self.count + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.count * n / total
        self.count = total

    def _merge_counts(self, counts: pd.Series) -> None:
        if self.values is None:
            merged = counts.astype(np.int64)
        else:
            merged = self.values.add(counts, fill_value=0).astype(np.int64)
        if len(merged) > MAX_DISTINCT:
            merged = merged.nlargest(MAX_DISTINCT // 2, keep="first")
            self.truncated = True
        self.values = merged

    def merge(self, other: ColumnScan) -> ColumnScan:
        self.n += other.n
        self.n_missing += other.n_missing
        if other.count:
            self._merge_moments(other.count, other.mean, other.m2)
            self.low, self.high = min(self.low, other.low), max(self.high, other.high)
        if self.few and (self.many or other.many):
            self._too_many()
        elif other.values is not None:
            self._merge_counts(other.values)
            if self.few and len(self.values) > DISCRETE_LEVELS + 1:
                self._too_many()
        self.truncated |= other.truncated
        if other.categories is not None:
            known = set(self.categories or [])
            self.categories = (self.categories or []) + [
                c for c in other.categories if c not in known
            ]
        return self

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.count) if self.count else 0.0

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct values (missing as NaN) and their counts."""
        if self.values is None:
            return np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64)
        return np.asarray(self.values.index, dtype=object), self.values.to_numpy(np.int64)


class TableScan:
    """What :func:`scan_table` keeps: per-column statistics, the bounded sample, the
    held-out rows. Mergeable (:meth:`merge`)."""

    def __init__(self, columns, moments, counted, seed, sample_rows, valid_p):
        self.columns = list(columns)
        self.seed = int(seed)
        self.sample_rows = int(sample_rows)
        self.valid_p = float(valid_p)
        self.stats = [ColumnScan(str(c), m, k) for c, m, k in zip(self.columns, moments, counted)]
        self.n_rows = 0
        self.n_valid = 0
        self._sample = []  # (frame, rows, keys)
        self._sample_keys = np.zeros(0)
        self._valid = []  # (frame, rows)

    def update(self, frame: pd.DataFrame, start: int, label: str) -> None:
        """Add the rows of ``frame``, whose first row is global row ``start``."""
        n = len(frame)
        rows = np.arange(start, start + n, dtype=np.int64)
        self.n_rows += n
        for j, column in enumerate(self.columns):
            self.stats[j].update(frame[column], label)
        if self.valid_p > 0:
            held = row_keys(rows, self.seed, _VALID_SALT) < self.valid_p
            if held.any():
                self._valid.append((_as_objects(frame[held]), rows[held]))
                self.n_valid += int(held.sum())
        keys = row_keys(rows, self.seed, _SAMPLE_SALT)
        self._add_sample(frame, rows, keys)

    def _add_sample(self, frame, rows, keys) -> None:
        if len(self._sample_keys) >= self.sample_rows:
            take = keys < self._sample_keys.max()
            if not take.any():
                return
            frame, rows, keys = frame[take], rows[take], keys[take]
        self._sample.append((_as_objects(frame), rows, keys))
        self._sample_keys = np.concatenate([self._sample_keys, keys])
        if len(self._sample_keys) > 2 * self.sample_rows:
            self._compact()

    def _compact(self) -> None:
        if not self._sample:
            return
        frame = pd.concat([f for f, _, _ in self._sample], ignore_index=True)
        rows = np.concatenate([r for _, r, _ in self._sample])
        keys = np.concatenate([k for _, _, k in self._sample])
        if len(keys) > self.sample_rows:
            keep = np.argpartition(keys, self.sample_rows - 1)[: self.sample_rows]
            frame, rows, keys = frame.iloc[keep].reset_index(drop=True), rows[keep], keys[keep]
        self._sample = [(frame, rows, keys)]
        self._sample_keys = keys

    def merge(self, other: TableScan) -> TableScan:
        """This scan and ``other`` (of other rows) as one scan of both."""
        self.n_rows += other.n_rows
        self.n_valid += other.n_valid
        for mine, theirs in zip(self.stats, other.stats):
            mine.merge(theirs)
        self._valid += other._valid
        for part in other._sample:
            self._sample.append(part)
            self._sample_keys = np.concatenate([self._sample_keys, part[2]])
        self._compact()
        return self

    def _frame(self, parts) -> tuple[pd.DataFrame, np.ndarray]:
        if not parts:
            return None, np.zeros(0, dtype=np.int64)
        frame = pd.concat([p[0] for p in parts], ignore_index=True)
        rows = np.concatenate([p[1] for p in parts])
        order = np.argsort(rows, kind="stable")
        return self._restore(frame.iloc[order].reset_index(drop=True)), rows[order]

    def _restore(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Category dtypes back, with every category any fragment had."""
        for stat in self.stats:
            if stat.categories is not None:
                frame[stat.name] = pd.Categorical(frame[stat.name], categories=stat.categories)
        return frame

    def sample(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The bounded sample (in row order) and its global row numbers."""
        self._compact()
        return self._frame(self._sample)

    def held_out(self) -> tuple[pd.DataFrame | None, np.ndarray]:
        """The held-out rows (in row order) and their global row numbers."""
        return self._frame(self._valid)

    def is_held_out(self, rows: np.ndarray) -> np.ndarray:
        if self.valid_p <= 0:
            return np.zeros(len(rows), dtype=bool)
        return row_keys(rows, self.seed, _VALID_SALT) < self.valid_p


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with category columns as objects, so that fragments whose categories
    differ concatenate without losing their values' types."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return frame.copy()
    out = frame.copy()
    for c in cats:
        out[c] = out[c].astype(object)
    return out


def scan_table(
    source,
    counted,
    *,
    seed: int,
    sample_rows: int | None = None,
    valid_fraction: float = 0.0,
    rank: int = 0,
    world_size: int = 1,
) -> TableScan:
    """One streaming pass over ``source`` (this process's fragments, merged across
    the processes of a data-parallel run).

    Parameters
    ----------
    source : TableSource
    counted : array-like of bool
        The columns whose values are counted (categorical ones).
    seed : int
        Keys of the sample and of the held-out rows.
    sample_rows : int or None, default=None
        Rows of the bounded sample (None: :data:`SAMPLE_ROWS`).
    valid_fraction : float, default=0.0
        The share of rows held out (capped at :data:`VALID_ROWS` rows).
    rank, world_size : int
        Process ``rank`` reads every ``world_size``-th fragment; the scans are then
        gathered and merged, so every process returns the scan of the whole table.
    """
    first = source.read_fragment(0)
    moments = [_is_moment_column(first[c]) for c in first.columns]
    valid_p = 0.0
    if valid_fraction > 0:
        valid_p = min(float(valid_fraction), VALID_ROWS / max(source.n_rows, 1))
    sample_rows = SAMPLE_ROWS if sample_rows is None else int(sample_rows)
    scan = TableScan(first.columns, moments, counted, seed, sample_rows, valid_p)
    starts = np.concatenate([[0], np.cumsum([f.n_rows for f in source.fragments])])
    mine = list(range(rank, len(source.fragments), world_size))
    for i, frame in source.iter_frames(order=mine):
        scan.update(frame, int(starts[i]), source.fragments[i].label)
    if world_size > 1:
        from sklearn_ganae._distributed import gather_objects

        scans = gather_objects(scan)
        scan = scans[0]
        for other in scans[1:]:
            scan.merge(other)
    return scan


class StreamedRows(torch.utils.data.Dataset):
    """The training rows of a streamed fit, read and encoded fragment by fragment.

    Parameters
    ----------
    source : TableSource
    encoder : TabularEncoder
        Fitted; encodes each fragment.
    scan : TableScan
        Tells which rows are held out (they are skipped).
    seed : int
        The fragment order and the buffer's shuffles of epoch ``k`` come from
        ``seed + k`` (and the process's rank): reproducible, and the same fragment order
        in every process.
    device : str, default="cpu"
    buffer_rows : int or None, default=None
        Rows of the shuffle buffer (None: :data:`BUFFER_ROWS`, read when the rows are
        built).
    """

    def __init__(self, source, encoder, scan, seed, device="cpu", buffer_rows=None):
        self.source = source
        self.encoder = encoder
        self.scan = scan
        self.seed = int(seed)
        self.device = device
        self.buffer_rows = int(BUFFER_ROWS if buffer_rows is None else buffer_rows)
        self.n_rows = int(scan.n_rows - scan.n_valid)
        self.starts = np.concatenate([[0], np.cumsum([f.n_rows for f in source.fragments])])
        self.spec = None  # a GAN's condition columns (training-by-sampling)
        self.weights = None

    def __len__(self) -> int:
        return self.n_rows

    def __getitem__(self, i):
        raise TypeError("StreamedRows are read in batches by the package's iterators.")

    def with_spec(self, spec, weights) -> StreamedRows:
        """A view that a GAN's iterator reads with training-by-sampling."""
        out = StreamedRows.__new__(StreamedRows)
        out.__dict__.update(self.__dict__)
        out.spec, out.weights = spec, weights
        return out

    def encoded(self, i: int) -> np.ndarray:
        """The encoded training rows of fragment ``i`` (held-out rows removed)."""
        frame = self.source.read_fragment(i)
        rows = np.arange(self.starts[i], self.starts[i] + len(frame), dtype=np.int64)
        held = self.scan.is_held_out(rows)
        if held.any():
            frame = frame[~held]
        if not len(frame):
            return np.zeros((0, self.encoder.n_features_out_), dtype=np.float32)
        return self.encoder.encode_rows(frame.reset_index(drop=True))

    def buffers(self, epoch: int, rank: int = 0, world_size: int = 1):
        """Shuffled tensors of encoded rows, for ever (the caller stops): the epoch's
        fragments of this process, mixed in the shuffle buffer; after the last
        fragment, the next cycle of them in a new order."""
        cycle = 0
        n_fragments = len(self.source.fragments)
        while True:
            rng = np.random.default_rng([self.seed, epoch, cycle])
            order = rng.permutation(n_fragments)[rank::world_size]
            if not len(order):  # fewer fragments than processes: share them round robin
                order = np.array([(rank + cycle) % n_fragments])
            shuffle = np.random.default_rng([self.seed, epoch, cycle, rank + 1])
            pending, size = [], 0
            for i in order:
                Z = self.encoded(int(i))
                if not len(Z):
                    continue
                pending.append(Z)
                size += len(Z)
                if size >= self.buffer_rows:
                    block = np.concatenate(pending)
                    block = block[shuffle.permutation(len(block))]
                    keep = self.buffer_rows // 2  # carried on, to mix with the next fragments
                    yield self._to_device(block[keep:])
                    pending, size = [block[:keep]], keep
            if size:
                block = np.concatenate(pending)
                yield self._to_device(block[shuffle.permutation(len(block))])
            cycle += 1

    def _to_device(self, block: np.ndarray) -> torch.Tensor:
        """``block`` as a tensor on the device: through pinned memory and an
        asynchronous copy on a GPU, so that the next buffer's reading overlaps it."""
        tensor = torch.from_numpy(np.ascontiguousarray(block))
        if str(self.device).startswith("cuda"):
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor


def stream_batches(data: StreamedRows, batch_size: int, epoch: int, rank: int, world_size: int):
    """The batches of one epoch of ``data`` for process ``rank``: :func:`n_stream_batches`
    full batches (rows cycle on when this process's fragments run short, so that
    every process takes the same number of steps), cut from
    :meth:`StreamedRows.buffers`."""
    size = min(int(batch_size), shard_rows(data.n_rows, world_size))
    n_batches = n_stream_batches(data.n_rows, batch_size, world_size)
    carry, done = None, 0
    buffers = data.buffers(epoch, rank, world_size)
    while done < n_batches:
        block = next(buffers)
        if carry is not None and len(carry):
            block = torch.cat([carry, block])
        start = 0
        while done < n_batches and len(block) - start >= size:
            yield block[start : start + size]
            start += size
            done += 1
        carry = block[start:]


def n_stream_batches(n_rows: int, batch_size: int, world_size: int) -> int:
    """Batches per epoch and process of a streamed fit: the full batches of a shard
    (the remainder is left out of the epoch; the next epoch's order differs)."""
    rows = shard_rows(n_rows, world_size)
    return max(1, rows // min(int(batch_size), rows))


def shard_rows(n_rows: int, world_size: int) -> int:
    """Training rows of one process per epoch: ``ceil(n_rows / world_size)``."""
    return -(-int(n_rows) // int(world_size))


def read_sample(source, n_rows: int, seed: int) -> pd.DataFrame:
    """About ``n_rows`` random rows of ``source`` in memory (for a report): whole
    fragments in a random order until ``n_rows`` rows are read, then a random subset
    of them (all rows of a table that small)."""
    rng = np.random.default_rng(seed)
    frames, size = [], 0
    for _, frame in source.iter_frames(order=list(rng.permutation(len(source.fragments)))):
        frames.append(frame)
        size += len(frame)
        if size >= n_rows:
            break
    frame = pd.concat([_as_objects(f) for f in frames], ignore_index=True)
    if len(frame) > n_rows:
        frame = frame.iloc[np.sort(rng.choice(len(frame), n_rows, replace=False))]
    out = frame.reset_index(drop=True)
    first = source.read_fragment(0)
    for column in first.columns:  # category dtypes back (their categories may differ)
        if isinstance(first[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("category")
    return out
