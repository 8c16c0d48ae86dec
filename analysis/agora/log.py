"""Agora's event log (docs/log-format.md), read from Python with its own implementation of the format.

A log is a 16-byte file header, then frames: the schema (JSON), string-table frames, and chunks —
one event kind's records stored column by column, zigzag-mapped, in byte planes, usually
zstd-compressed. Opening a log maps the file and reads only the frame headers; a kind's records
are decoded chunk by chunk when asked for, so reading a big log holds a chunk at a time, not the
log. Damaged frames are reported and skipped, as the Swift reader does.
"""

from __future__ import annotations

import json
import mmap
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"AGORALOG"
SYNC = bytes([0xA6, 0x0F, 0x7E, 0x5A])
FRAME_HEADER = 44
SCHEMA, CHUNK, STRINGS = 1, 2, 3
_HEADER = struct.Struct("<BBHIIIIqq")


class LogFormatError(ValueError):
    """The file is not an Agora event log (or not a version this reader knows)."""


@dataclass
class Kind:
    """One event kind of a log: its columns, their types, and the names of coded values."""

    id: int
    name: str
    columns: list[str]
    types: list[str]
    labels: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class Problem:
    """A damaged frame: its index, its byte offset, and what is wrong."""

    frame: int
    offset: int
    reason: str

    def __str__(self):
        return f"frame {self.frame} at byte {self.offset}: {self.reason}"


@dataclass
class _Frame:
    index: int
    offset: int
    type: int
    codec: int
    kind: int
    stored: int
    size: int
    count: int
    first_tick: int
    last_tick: int


class EventLog:
    """An open event log: the schema, the string table, and every chunk's place in the file.

    `chunks(kind)` yields a kind's records one chunk at a time (bounded memory); `frame(kind)`
    gathers them into one DataFrame. With `names=True` coded columns (side, reason, instrument…)
    come back as the names the log's schema gives them.
    """

    def __init__(self, path):
        p = Path(path)
        if p.is_dir():
            p = p / "events.agl"
        self.path = str(p)
        try:
            with open(p, "rb") as f:
                size = f.seek(0, 2)
                self._buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else b""
        except OSError as e:
            raise LogFormatError(f"{p}: cannot read the log ({e.strerror})") from e
        buf = self._buf
        if len(buf) < 16 or buf[:8] != MAGIC:
            raise LogFormatError(f"{p}: not an Agora event log")
        version, header_size = struct.unpack_from("<HH", buf, 8)
        if version not in (1, 2):
            raise LogFormatError(f"{p}: format version {version}; this reader knows 1 and 2")
        self.kinds: dict[int, Kind] = {}
        self.meta: dict[str, str] = {}
        self.strings: list[str] = []
        self.problems: list[Problem] = []
        self._frames: list[_Frame] = []
        self._string_table = None  # the strings as an object array, for text columns
        self._scan(header_size)

    def _scan(self, off: int):
        buf, n, index = self._buf, len(self._buf), 0
        while off + FRAME_HEADER <= n:
            if buf[off : off + 4] != SYNC or zlib.crc32(buf[off : off + 40]) != struct.unpack_from("<I", buf, off + 40)[0]:
                self.problems.append(Problem(index, off, "bad frame header"))
                nxt = buf.find(SYNC, off + 1)
                if nxt < 0:
                    break
                off, index = nxt, index + 1
                continue
            ftype, codec, kind, stored, size, count, crc, first, last = _HEADER.unpack_from(buf, off + 4)
            start = off + FRAME_HEADER
            if start + stored > n or zlib.crc32(buf[start : start + stored]) != crc:
                self.problems.append(Problem(index, off, "payload damaged or cut short"))
            else:
                frame = _Frame(index, start, ftype, codec, kind, stored, size, count, first, last)
                try:
                    if ftype == SCHEMA:
                        self._read_schema(self._payload(frame))
                    elif ftype == STRINGS:
                        self._read_strings(self._payload(frame))
                    elif ftype == CHUNK:
                        self._frames.append(frame)
                except (LogFormatError, struct.error, ValueError, UnicodeDecodeError) as e:
                    self.problems.append(Problem(index, off, str(e)))
            off, index = start + stored, index + 1
        if off < n and off + FRAME_HEADER > n:
            self.problems.append(Problem(index, off, f"{n - off} bytes at the end, too few for a frame"))

    def _payload(self, f: _Frame) -> bytes:
        data = self._buf[f.offset : f.offset + f.stored]
        if f.codec == 0:
            return data
        if f.codec == 1:
            import zstandard

            try:
                return zstandard.ZstdDecompressor().decompress(data, max_output_size=f.size)
            except zstandard.ZstdError as e:
                raise LogFormatError(f"zstd: {e}") from e
        raise LogFormatError(f"unknown codec {f.codec}")

    def _read_schema(self, data: bytes):
        schema = json.loads(bytes(data).decode())
        for k in schema["kinds"]:
            types = k.get("types") or ["i64"] * len(k["columns"])
            labels = {c: {int(code): name for code, name in names.items()} for c, names in (k.get("labels") or {}).items()}
            self.kinds[k["id"]] = Kind(k["id"], k["name"], list(k["columns"]), list(types), labels)
        self.meta = schema.get("meta", {})

    def _read_strings(self, data: bytes):
        first, n = struct.unpack_from("<qI", data, 0)
        if first != len(self.strings):
            raise LogFormatError(f"strings frame starts at {first}, the table has {len(self.strings)}")
        at = 12
        for _ in range(n):
            (length,) = struct.unpack_from("<I", data, at)
            self.strings.append(bytes(data[at + 4 : at + 4 + length]).decode())
            at += 4 + length

    # What a caller asks for.

    def kind(self, name_or_id) -> Kind:
        if isinstance(name_or_id, Kind):
            return name_or_id
        if isinstance(name_or_id, (int, np.integer)):
            if int(name_or_id) in self.kinds:
                return self.kinds[int(name_or_id)]
        else:
            for k in self.kinds.values():
                if k.name == name_or_id:
                    return k
        raise KeyError(f"no event kind {name_or_id!r} in {self.path}; kinds: {', '.join(k.name for k in self.kinds.values())}")

    def records(self, name_or_id) -> int:
        """How many records of a kind the log holds (from the frame headers; nothing is decoded)."""
        k = self.kind(name_or_id)
        return sum(f.count for f in self._frames if f.kind == k.id)

    def chunks(self, name_or_id, columns=None, ticks=None, names=False):
        """Yields a kind's records chunk by chunk, each as {column: numpy array}.

        `columns`: the columns wanted (default all). `ticks`: a range, or (first, stop) with stop
        excluded, of the ticks wanted. `names`: give coded columns as their names (a pandas
        Categorical whose categories are every name the schema gives, in code order).
        `f64` columns come back as float64, `text` columns as str objects.
        """
        k = self.kind(name_or_id)
        wanted = list(k.columns) if columns is None else list(columns)
        unknown = [c for c in wanted if c not in k.columns]
        if unknown:
            raise KeyError(f"kind {k.name} has no column {', '.join(map(repr, unknown))}; it has {', '.join(k.columns)}")
        lo, hi = _tick_bounds(ticks)
        need = set(wanted) | ({"tick"} if ticks is not None else set())
        for f in self._frames:
            if f.kind != k.id or f.last_tick < lo or f.first_tick >= hi:
                continue
            try:
                cols = self._decode_chunk(k, f, need)
            except (LogFormatError, struct.error, ValueError) as e:
                self.problems.append(Problem(f.index, f.offset - FRAME_HEADER, str(e)))
                continue
            if ticks is not None:
                keep = (cols["tick"] >= lo) & (cols["tick"] < hi)
                if not keep.any():
                    continue
                if not keep.all():
                    cols = {c: v[keep] for c, v in cols.items()}
            yield {c: self._present(k, c, cols[c], names) for c in wanted}

    def columns(self, name_or_id, columns=None, ticks=None, names=False) -> dict:
        """A kind's records as {column: array}, every chunk joined."""
        frame = self.frame(name_or_id, columns, ticks, names)
        return {c: (frame[c].array if names and isinstance(frame[c].dtype, _category_dtype()) else frame[c].to_numpy()) for c in frame.columns}

    def frame(self, name_or_id, columns=None, ticks=None, names=False):
        """A kind's records as one pandas DataFrame (coded columns as names with `names=True`)."""
        import pandas as pd

        k = self.kind(name_or_id)
        wanted = list(k.columns) if columns is None else list(columns)
        parts = [pd.DataFrame(p) for p in self.chunks(k, wanted, ticks, names)]
        if not parts:
            empty = {c: self._present(k, c, np.zeros(0, dtype=np.int64), names) for c in wanted}
            return pd.DataFrame(empty, columns=wanted)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def close(self):
        if isinstance(self._buf, mmap.mmap):
            self._buf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        kinds = ", ".join(f"{k.name} ({self.records(k.id):,})" for k in self.kinds.values())
        damage = f", {len(self.problems)} damaged frames" if self.problems else ""
        return f"<EventLog {self.path}: {kinds}{damage}>"

    # Decoding.

    def _decode_chunk(self, k: Kind, f: _Frame, need: set) -> dict[str, np.ndarray]:
        data = self._payload(f)
        (ncols,) = struct.unpack_from("<H", data, 0)
        if ncols != len(k.columns):
            raise LogFormatError(f"{ncols} columns where kind {k.name} has {len(k.columns)}")
        at, out = 2, {}
        for name in k.columns:
            if name in need:
                out[name], at = _decode_column(data, at, f.count)
            else:
                at = _skip_column(data, at)
        return out

    def _present(self, k: Kind, column: str, v: np.ndarray, names: bool):
        typ = k.types[k.columns.index(column)]
        if typ == "f64":
            return v.view(np.float64)
        if typ == "text":
            if self._string_table is None or len(self._string_table) != len(self.strings) + 1:
                self._string_table = np.array(self.strings + [None], dtype=object)
            return self._string_table[np.where((v >= 0) & (v < len(self.strings)), v, len(self.strings))]
        if names and column in k.labels:
            return _named(v, k.labels[column])
        return v


def _tick_bounds(ticks):
    if ticks is None:
        return -(2**63), 2**63 - 1
    if isinstance(ticks, range):
        if ticks.step != 1:
            raise ValueError("ticks: a range with step 1, or (first, stop)")
        return ticks.start, ticks.stop
    first, stop = ticks
    return int(first), int(stop)


def _category_dtype():
    import pandas as pd

    return pd.CategoricalDtype


def _named(v: np.ndarray, labels: dict[int, str]):
    """Codes as a pandas Categorical of their names: the categories are every name of the schema
    in code order (the same for every chunk, so chunks join without turning into strings), then
    any code without a name, as its number."""
    import pandas as pd

    known = sorted(labels)
    categories = [labels[c] for c in known]
    if len(v) == 0:
        return pd.Categorical.from_codes(np.zeros(0, dtype=np.int32), categories=categories)
    lo, hi = int(v.min()), int(v.max())
    lo, hi = min(lo, known[0]), max(hi, known[-1])
    table = np.full(hi - lo + 1, -1, dtype=np.int32) if hi - lo < 1_000_000 else None
    if table is None:  # codes spread too far for a table: the slow way
        return pd.Categorical([labels.get(int(c), str(int(c))) for c in v], categories=categories + sorted(
            {str(int(c)) for c in np.unique(v) if int(c) not in labels}))
    for i, c in enumerate(known):
        table[c - lo] = i
    codes = table[v - lo]
    missing = codes < 0
    if missing.any():
        extra = np.unique(v[missing])
        for j, c in enumerate(extra):
            table[int(c) - lo] = len(categories) + j
        categories = categories + [str(int(c)) for c in extra]
        codes = table[v - lo]
    return pd.Categorical.from_codes(codes, categories=categories)


def _u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def _skip_column(buf, off: int) -> int:
    if off + 6 > len(buf):
        raise LogFormatError("column header past the end of the chunk")
    end = off + 6 + _u32(buf, off + 2)
    if end > len(buf):
        raise LogFormatError("column data past the end of the chunk")
    return end


def _decode_column(buf, off: int, n: int) -> tuple[np.ndarray, int]:
    if off + 6 > len(buf):
        raise LogFormatError("column header past the end of the chunk")
    encoding, width, length = buf[off], buf[off + 1], _u32(buf, off + 2)
    off += 6
    if off + length > len(buf):
        raise LogFormatError("column data past the end of the chunk")
    if encoding == 0:
        if length != 8:
            raise LogFormatError("a constant column holds 8 bytes")
        values = np.full(n, struct.unpack_from("<q", buf, off)[0], dtype=np.int64)
    elif encoding in (1, 2):
        head = 8 if encoding == 2 else 0
        if not 1 <= width <= 8 or length != head + n * width:
            raise LogFormatError(f"column of {n} values x {width} bytes cannot be {length} bytes")
        planes = np.frombuffer(buf, dtype=np.uint8, count=n * width, offset=off + head).reshape(width, n)
        u = planes[0].astype(np.uint64)
        for p in range(1, width):
            u |= planes[p].astype(np.uint64) << np.uint64(8 * p)
        values = (u >> np.uint64(1)).astype(np.int64) ^ -((u & np.uint64(1)).astype(np.int64))
        if encoding == 2 and n > 0:
            values[0] = struct.unpack_from("<q", buf, off)[0]
            with np.errstate(over="ignore"):
                values = np.cumsum(values, dtype=np.int64)
    elif encoding in (3, 4):
        values = _unpack(buf, off, length, n, width, delta=encoding == 4)
    else:
        raise LogFormatError(f"unknown column encoding {encoding}")
    return values, off + length


def _unpack(buf, off: int, length: int, n: int, width: int, delta: bool) -> np.ndarray:
    """A bit-packed column: offsets of `width` bits from a base, least significant bit first."""
    head = 16 if delta else 8
    packed = max(0, n - 1) if delta else n
    if width > 56 or length != head + (packed * width + 7) // 8:
        raise LogFormatError(f"packed column of {n} values x {width} bits cannot be {length} bytes")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first, base = struct.unpack_from("<qq", buf, off) if delta else (None, struct.unpack_from("<q", buf, off)[0])
    bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8, count=length - head, offset=off + head), bitorder="little")
    wide = np.zeros((packed, 64), dtype=np.uint8)
    wide[:, :width] = bits[: packed * width].reshape(packed, width)
    offsets = np.packbits(wide, axis=1, bitorder="little").view("<u8").ravel().view(np.int64)
    with np.errstate(over="ignore"):
        if not delta:
            return offsets + np.int64(base)
        values = np.empty(n, dtype=np.int64)
        values[0] = first
        values[1:] = offsets + np.int64(base)
        return np.cumsum(values, dtype=np.int64)


def read_log(path) -> EventLog:
    """Opens an event log (`events.agl`, or a run directory holding one)."""
    return EventLog(path)
