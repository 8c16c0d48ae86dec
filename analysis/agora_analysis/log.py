"""Agora's event log (docs/log-format.md), read from Python with its own implementation of the format.

A log is a 16-byte file header, then frames: the schema (JSON), string-table frames, and chunks —
one event kind's records stored column by column, zigzag-mapped, in byte planes, usually zstd-compressed.
Damaged frames are reported and skipped, as the Swift reader does.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"AGORALOG"
SYNC = bytes([0xA6, 0x0F, 0x7E, 0x5A])
FRAME_HEADER = 44
SCHEMA, CHUNK, STRINGS = 1, 2, 3


class LogFormatError(ValueError):
    """The file is not an Agora event log (or not a version this reader knows)."""


@dataclass
class Kind:
    id: int
    name: str
    columns: list[str]
    types: list[str]


@dataclass
class Problem:
    frame: int
    offset: int
    reason: str


@dataclass
class EventLog:
    """A whole log, decoded: the schema, per kind the columns as numpy arrays, the string table."""

    path: str
    kinds: dict[int, Kind]
    meta: dict[str, str]
    strings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _columns: dict[int, list[list[np.ndarray]]] = field(default_factory=dict)

    def kind(self, name_or_id) -> Kind:
        if isinstance(name_or_id, int):
            return self.kinds[name_or_id]
        for k in self.kinds.values():
            if k.name == name_or_id:
                return k
        raise KeyError(f"no event kind {name_or_id!r} in {self.path}; kinds: {', '.join(k.name for k in self.kinds.values())}")

    def columns(self, name_or_id) -> dict[str, np.ndarray]:
        """A kind's records as {column: array}: int64, float64 for `f64` columns, str objects for `text`."""
        k = self.kind(name_or_id)
        parts = self._columns.get(k.id, [])
        out = {}
        for c, (name, typ) in enumerate(zip(k.columns, k.types)):
            v = np.concatenate([p[c] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
            if typ == "f64":
                v = v.view(np.float64)
            elif typ == "text":
                table = np.array(self.strings + [None], dtype=object)
                idx = np.where((v >= 0) & (v < len(self.strings)), v, len(self.strings))
                v = table[idx]
            out[name] = v
        return out

    def frame(self, name_or_id):
        """A kind's records as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.columns(name_or_id))


def _u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def _decode_column(buf: bytes, off: int, n: int) -> tuple[np.ndarray, int]:
    if off + 6 > len(buf):
        raise LogFormatError("column header past the end of the chunk")
    encoding, width, length = buf[off], buf[off + 1], _u32(buf, off + 2)
    off += 6
    data = buf[off : off + length]
    if len(data) != length:
        raise LogFormatError("column data past the end of the chunk")
    if encoding == 0:
        if length != 8:
            raise LogFormatError("a constant column holds 8 bytes")
        values = np.full(n, struct.unpack_from("<q", data, 0)[0], dtype=np.int64)
    elif encoding in (1, 2):
        head = 8 if encoding == 2 else 0
        if not 1 <= width <= 8 or length != head + n * width:
            raise LogFormatError(f"column of {n} values x {width} bytes cannot be {length} bytes")
        planes = np.frombuffer(data, dtype=np.uint8, count=n * width, offset=head).reshape(width, n).astype(np.uint64)
        u = np.zeros(n, dtype=np.uint64)
        for p in range(width):
            u |= planes[p] << np.uint64(8 * p)
        values = (u >> np.uint64(1)).astype(np.int64) ^ -((u & np.uint64(1)).astype(np.int64))
        if encoding == 2 and n > 0:
            values[0] = struct.unpack_from("<q", data, 0)[0]
            with np.errstate(over="ignore"):
                values = np.cumsum(values, dtype=np.int64)
    else:
        raise LogFormatError(f"unknown column encoding {encoding}")
    return values, off + length


def _decompress(payload: bytes, codec: int, size: int) -> bytes:
    if codec == 0:
        return payload
    if codec == 1:
        import zstandard

        return zstandard.ZstdDecompressor().decompress(payload, max_output_size=size)
    raise LogFormatError(f"unknown codec {codec}")


def read_log(path) -> EventLog:
    """Reads a whole event log (`events.agl`, or a run directory holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "events.agl"
    buf = p.read_bytes()
    if len(buf) < 16 or buf[:8] != MAGIC:
        raise LogFormatError(f"{p}: not an Agora event log")
    version, header_size = struct.unpack_from("<HH", buf, 8)
    if version != 1:
        raise LogFormatError(f"{p}: format version {version}; this reader knows 1")
    log = EventLog(path=str(p), kinds={}, meta={})
    off, frame = header_size, 0
    while off + FRAME_HEADER <= len(buf):
        if buf[off : off + 4] != SYNC or zlib.crc32(buf[off : off + 40]) != _u32(buf, off + 40):
            log.problems.append(Problem(frame, off, "bad frame header"))
            nxt = buf.find(SYNC, off + 1)
            if nxt < 0:
                break
            off, frame = nxt, frame + 1
            continue
        ftype, codec, kind, stored, size, count, crc = struct.unpack_from("<BBHIIII", buf, off + 4)
        start = off + FRAME_HEADER
        payload = buf[start : start + stored]
        off = start + stored
        if len(payload) != stored or zlib.crc32(payload) != crc:
            log.problems.append(Problem(frame, start - FRAME_HEADER, "payload damaged or cut short"))
            frame += 1
            continue
        try:
            data = _decompress(payload, codec, size)
            if ftype == SCHEMA:
                schema = json.loads(data.decode())
                for k in schema["kinds"]:
                    types = k.get("types") or ["i64"] * len(k["columns"])
                    log.kinds[k["id"]] = Kind(k["id"], k["name"], list(k["columns"]), list(types))
                log.meta = schema.get("meta", {})
            elif ftype == STRINGS:
                first, n = struct.unpack_from("<qI", data, 0)
                if first != len(log.strings):
                    raise LogFormatError(f"strings frame starts at {first}, the table has {len(log.strings)}")
                at = 12
                for _ in range(n):
                    length = _u32(data, at)
                    log.strings.append(data[at + 4 : at + 4 + length].decode())
                    at += 4 + length
            elif ftype == CHUNK:
                k = log.kinds.get(kind)
                if k is None:
                    raise LogFormatError(f"chunk of unknown kind {kind}")
                (ncols,) = struct.unpack_from("<H", data, 0)
                if ncols != len(k.columns):
                    raise LogFormatError(f"{ncols} columns where kind {k.name} has {len(k.columns)}")
                at, cols = 2, []
                for _ in range(ncols):
                    v, at = _decode_column(data, at, count)
                    cols.append(v)
                log._columns.setdefault(kind, []).append(cols)
        except (LogFormatError, struct.error, ValueError) as e:
            log.problems.append(Problem(frame, start - FRAME_HEADER, str(e)))
        frame += 1
    return log
