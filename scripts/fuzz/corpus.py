#!/usr/bin/env python3
"""Agora's fuzz corpus: mutated scenarios and damaged logs and checkpoints, and the runner that
feeds them to the `agora` binary and asserts that none crashes or hangs.

    python3 scripts/fuzz/corpus.py --quick      # the fixed fast subset make test runs
    python3 scripts/fuzz/corpus.py              # the whole corpus (make fuzz)

Both corpora are generated from a seed, so a case is named by its number and made again the same
way: scenario cases from the shipped scenarios (types, signs, sizes, NaN, inf, unicode, nesting,
aliases, duplicate keys, generator domains, file paths), log cases from the documented log format
(docs/log-format.md: huge length fields, CRC-valid absurd headers, truncated frames, flipped bytes)
and checkpoint cases from a killed run's checkpoint. Each case runs under a time limit and an
address-space limit. The outcome is one of:

- accepted: exit 0;
- clean: exit 1, 2 or 64 with a message that has a position (file:line, or a byte offset of a
  damaged log) or names its file or override (`--set`);
- unpositioned: a clean exit whose message names no position: counted, and a failure;
- crash: a signal, or "Fatal error" on standard error;
- hang: the time limit passed.

The runner prints the counts as one JSON line and exits 1 if any case crashed, hung or was
unpositioned. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
# Worlds a debug build makes in about a second: the fast subset draws from these.
SMALL = {"boltzmann.yaml", "schelling.yaml", "sir-network.yaml", "opinion.yaml", "cascade.yaml", "s3-users.yaml",
         "friendship-paradox.yaml"}

# ---------------------------------------------------------------------------------------------
# Scenario mutations: text-level, so that what YAML itself allows (aliases, duplicate keys, flow
# and block styles) is exercised as a user would write it.

VALUES = ["-1", "0", "1", "-0.0", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
          "18446744073709551616", "1e308", "-1e308", "1e-300", ".nan", ".inf", "-.inf", "NaN", "1.5", "0.9999999999",
          "1e10", "10000000000", "~", "null", "true", "no", "''", '""', "[]", "{}", "[1, 2, 3]", "{a: 1}",
          "ünïcödé 💥", "\"\\u0000\"", "\"<script>alert(1)</script>\"", "0x7fffffff", "0o777", "+12", "1_000_000",
          "/proc/self/status", "/dev/zero", "/dev/null", "/nonexistent/file.edges", "../../../etc/passwd",
          "\"" + "x" * 5000 + "\"", "*undefined_alias", "&anchor 5", "!!binary AAAA", "!!python/object:os.system ls",
          "2024-01-01", "'3'", "[[[[[[[[[[1]]]]]]]]]]"]

GENERATORS = ["{generator: er, nodes: 5000000000, p: 0.999}", "{generator: er, nodes: 100000, p: 1e-300}",
              "{generator: er, nodes: 100000, mean_degree: 1e-12}", "{generator: ws, nodes: 1000, k: 9223372036854775807, beta: 0.1}",
              "{generator: ws, nodes: 100, k: 200, beta: 2}", "{generator: sbm, sizes: [9223372036854775807, 9223372036854775807], p_in: 0.1, p_out: 0.01}",
              "{generator: sbm, sizes: [200000], p_in: 1, p_out: 0}", "{generator: config, nodes: 10, exponent: 2.5, min_degree: 50}",
              "{generator: config, nodes: 100000, exponent: 0.5, min_degree: 1}", "{generator: ba, nodes: 10000000000, m: 3}",
              "{generator: ba, nodes: 100, m: 1000}", "{generator: ba, nodes: -5, m: 1}", "{file: /proc/self/status}",
              "{file: /dev/zero}", "{file: /nonexistent.edges}", "{generator: nope}", "{}", "[]", "{generator: ba}"]

TOKEN = re.compile(r"(?P<key>[A-Za-z_][\w]*):[ \t]+(?P<val>[^,{}\[\]#\n]+?)(?=[,}\]#\n]|$)")


def mutate_scenario(text: str, rng: random.Random) -> tuple[str, str]:
    """One mutation of a scenario's text, and what it did."""
    lines = text.split("\n")
    op = rng.choice(["value", "value", "value", "value", "generator", "delete", "duplicate", "alias_bomb", "nesting",
                     "truncate", "unicode_key", "tab", "count", "swap_lines", "two"])
    if op == "two":
        first, a = mutate_scenario(text, rng)
        second, b = mutate_scenario(first, rng)
        return second, f"{a}; {b}"
    if op in ("value", "count"):
        tokens = [(i, m) for i, line in enumerate(lines) if not line.lstrip().startswith("#") for m in TOKEN.finditer(line)]
        if op == "count":
            tokens = [t for t in tokens if t[1].group("key") in ("count", "nodes", "ticks", "m", "k", "seed", "every", "depth", "feed_size",
                                                                    "candidates", "per_tick", "calls", "latency_ticks", "shards", "threads")] or tokens
        if not tokens:
            return text + "\nticks: -1\n", "append ticks -1"
        i, m = rng.choice(tokens)
        value = rng.choice(VALUES) if op == "value" else rng.choice(["0", "-1", "1", "4294967295", "4294967296", "1000000000",
                                                                     "9223372036854775807", "1e12", "2.5"])
        lines[i] = lines[i][:m.start("val")] + value + lines[i][m.end("val"):]
        return "\n".join(lines), f"{m.group('key')} = {value[:40]}"
    if op == "generator":
        for i, line in enumerate(lines):
            if line.startswith("network:"):
                g = rng.choice(GENERATORS)
                lines[i] = "network: " + g
                # A block-style network section: drop its indented body.
                j = i + 1
                while j < len(lines) and lines[j].startswith((" ", "\t")):
                    lines.pop(j)
                return "\n".join(lines), f"network = {g}"
        return text + "\nnetwork: " + rng.choice(GENERATORS) + "\n", "add network"
    if op == "delete":
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i] + lines[i + 1:]), f"delete line {i + 1}"
    if op == "duplicate":
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]), f"duplicate line {i + 1}"
    if op == "alias_bomb":
        bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, "
                                                          f"*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}]"
                                                          for k in range(8)]
        return "\n".join(bomb) + "\ndescription: *i\n" + text, "alias bomb"
    if op == "nesting":
        depth = rng.choice([50, 500, 5000])
        return text + "\nextra: " + "[" * depth + "1" + "]" * depth + "\n", f"nesting {depth}"
    if op == "truncate":
        cut = rng.randrange(len(text))
        return text[:cut], f"truncate at {cut}"
    if op == "unicode_key":
        return text + "\n💥ticks: 3\n", "unicode key"
    if op == "tab":
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i] + ["\t" + lines[i]] + lines[i + 1:]), f"tab on line {i + 1}"
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines), f"swap lines {i + 1} and {j + 1}"


def scenario_cases(seed: int, count: int, quick: bool) -> list[tuple[str, str, str]]:
    """(name, text, what) for `count` mutated scenarios."""
    rng = random.Random(seed)
    pool = [p for p in SCENARIOS if not quick or p.name in SMALL]
    cases = []
    for k in range(count):
        source = pool[k % len(pool)]
        text, what = mutate_scenario(source.read_text(), rng)
        cases.append((f"s{k:04d}-{source.stem}", text, what))
    return cases

# ---------------------------------------------------------------------------------------------
# Log and checkpoint damage, from the documented format.

SYNC = bytes([0xA6, 0x0F, 0x7E, 0x5A])


def frames(data: bytes) -> list[int]:
    """Offsets of the frame headers whose header CRC checks."""
    out, at = [], 16
    while True:
        at = data.find(SYNC, at)
        if at < 0 or at + 44 > len(data):
            return out
        if struct.unpack_from("<I", data, at + 40)[0] == zlib.crc32(data[at:at + 40]):
            out.append(at)
        at += 4


def with_header(data: bytearray, at: int, offset: int, fmt: str, value) -> None:
    """Sets a header field and recomputes the header's CRC: a header that checks, with an absurd field."""
    struct.pack_into(fmt, data, at + offset, value)
    struct.pack_into("<I", data, at + 40, zlib.crc32(bytes(data[at:at + 40])))


# Frame-header fields made absurd, the header's CRC recomputed: offsets (one is drawn), format,
# values (one is drawn; "file size" is the log's length) and what the case is called.
HEADER_FIELDS = {
    "payload_length": ((8,), "<I", (0xFFFFFFFF, 0x7FFFFFFF, "file size", 0), "payload length"),
    "raw_length": ((12,), "<I", (0xFFFFFFFF, 0x7FFFFFFF, 0), "decompressed length"),
    "records": ((16,), "<I", (0xFFFFFFFF, 0x7FFFFFFF, 0, 1), "record count"),
    "ticks": ((24, 32), "<q", (-(2 ** 63), 2 ** 63 - 1, -1), "tick"),
    "kind": ((6,), "<H", (0, 0xFFFF, 999), "kind"),
    "codec": ((5,), "<B", (0, 1, 7, 255), "codec"),
}


def damage_log(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    d = bytearray(data)
    heads = frames(data)
    op = rng.choice(["truncate", "flip", "payload_length", "raw_length", "records", "ticks", "kind", "codec", "strings_length",
                     "garbage", "duplicate", "empty", "header_only", "magic", "version"])
    if not heads and op not in ("truncate", "flip", "empty", "magic"):
        op = "truncate"
    at = rng.choice(heads) if heads else 16
    if op == "truncate":
        cut = rng.randrange(len(d))
        return bytes(d[:cut]), f"truncated at {cut} of {len(d)}"
    if op == "flip":
        for _ in range(rng.choice([1, 4, 64])):
            i = rng.randrange(len(d))
            d[i] ^= 1 << rng.randrange(8)
        return bytes(d), "flipped bits"
    if op in HEADER_FIELDS:
        offsets, fmt, values, label = HEADER_FIELDS[op]
        v = rng.choice(values)
        v = len(d) if v == "file size" else v
        with_header(d, at, offsets[rng.randrange(len(offsets))] if len(offsets) > 1 else offsets[0], fmt, v)
        return bytes(d), f"{label} {v} (CRC-valid header)"
    if op == "strings_length":
        strings = [h for h in heads if d[h + 4] == 3 and d[h + 5] == 0]
        if strings:
            h = rng.choice(strings)
            n = struct.unpack_from("<I", d, h + 8)[0]
            if n >= 16:
                struct.pack_into("<I", d, h + 44 + 12, rng.choice([0xFFFFFFFF, 0x7FFFFFF0]))  # the first string's length
                struct.pack_into("<I", d, h + 20, zlib.crc32(bytes(d[h + 44:h + 44 + n])))
                struct.pack_into("<I", d, h + 40, zlib.crc32(bytes(d[h:h + 40])))
                return bytes(d), "a string's length past its payload (CRC-valid)"
        return bytes(d[:len(d) // 2]), "truncated at half"
    if op == "garbage":
        i = rng.randrange(16, len(d))
        return bytes(d[:i]) + SYNC + bytes(rng.randrange(256) for _ in range(200)) + bytes(d[i:]), "garbage inserted"
    if op == "duplicate":
        h = rng.choice(heads)
        n = struct.unpack_from("<I", d, h + 8)[0]
        frame = bytes(d[h:h + 44 + n])
        return bytes(d) + frame, "a frame repeated at the end"
    if op == "empty":
        return b"", "empty file"
    if op == "header_only":
        return bytes(d[:16]), "file header only"
    if op == "magic":
        d[0:8] = b"AGORALOX"
        return bytes(d), "bad magic"
    struct.pack_into("<H", d, 8, 9)
    return bytes(d), "version 9"


def damage_checkpoint(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    d = bytearray(data)
    op = rng.choice(["truncate", "flip", "lengths", "empty", "append"])
    if op == "truncate" or len(d) < 16:
        cut = rng.randrange(max(1, len(d)))
        return bytes(d[:cut]), f"truncated at {cut}"
    if op == "flip":
        for _ in range(rng.choice([1, 8])):
            i = rng.randrange(len(d))
            d[i] ^= 1 << rng.randrange(8)
        return bytes(d), "flipped bits"
    if op == "lengths":
        # Every aligned 8 bytes may be a length: make a few absurd.
        for _ in range(4):
            i = rng.randrange(0, len(d) - 8) & ~7
            struct.pack_into("<q", d, i, rng.choice([2 ** 62, -1, 2 ** 31]))
        return bytes(d), "absurd 64-bit fields"
    if op == "empty":
        return b"", "empty checkpoint"
    return bytes(d) + bytes(rng.randrange(256) for _ in range(64)), "bytes appended"

# ---------------------------------------------------------------------------------------------
# Running cases.


def limits(memory_bytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        os.setsid()
    return apply


def classify(done, stderr: str, names: list[str]) -> str:
    if done is None:
        return "hang"
    if done.returncode < 0 or "Fatal error" in stderr or done.returncode not in (0, 1, 2, 64):
        return "crash"
    if done.returncode == 0:
        return "accepted"
    # A position: file:line[:col], a byte offset in the file, or the override that was given.
    if re.search(r":\d+(:\d+)?:|at byte \d+", stderr) or "--set" in stderr or any(n in stderr for n in names):
        return "clean"
    return "unpositioned"


def run_case(binary: str, args: list[str], names: list[str], timeout: float, memory: int, env: dict) -> tuple[str, str]:
    try:
        p = subprocess.Popen([binary, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=limits(memory))
    except OSError as e:
        return "crash", str(e)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "hang", ""
    # log check reports damage on standard output; everything else on standard error.
    text = err.decode("utf-8", "replace") + "\n" + out.decode("utf-8", "replace")[-4000:]
    return classify(p, text, names), text


def base_run(binary: str, work: Path, env: dict) -> tuple[Path, Path]:
    """A finished small run with an LLM-free market log, and a killed run with a checkpoint."""
    finished = work / "base"
    subprocess.run([binary, "run", "scenarios/rate-cut.yaml", "--out", str(finished), "--quiet",
                    "--set", "network.nodes=2000", "--set", "agents[0].count=600", "--set", "agents[1].count=400",
                    "--set", "agents[2].count=900", "--set", "agents[3].count=80", "--set", "agents[4].count=20",
                    "--set", "ticks=130"], cwd=ROOT, env=env, check=True, capture_output=True)
    killed = work / "killed"
    p = subprocess.Popen([binary, "run", "scenarios/boltzmann.yaml", "--out", str(killed), "--quiet", "--checkpoint-every", "3",
                          "--set", "ticks=100000"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (killed / "checkpoint.bin").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    p.kill()
    p.wait()
    if not (killed / "checkpoint.bin").exists():
        raise SystemExit("the base run wrote no checkpoint")
    return finished, killed


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the fixed fast subset (make test)")
    ap.add_argument("--binary", default=os.environ.get("AGORA_BINARY") or str(ROOT / ".build" / "debug" / "agora"))
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--scenarios", type=int, help="scenario cases (default 1,200; quick 60)")
    ap.add_argument("--logs", type=int, help="log and checkpoint cases (default 240; quick 30)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    ap.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit per case")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="write the cases and the failures here")
    args = ap.parse_args(argv)
    n_scenarios = args.scenarios if args.scenarios is not None else (60 if args.quick else 1200)
    n_logs = args.logs if args.logs is not None else (30 if args.quick else 240)
    if not Path(args.binary).exists():
        print(f"error: no agora binary at {args.binary}; build it first (swift build)", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="agora-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, AGORA_CATALOG=str(work / "catalog.sqlite"))
    for key in [k for k in env if k.startswith("OPENAI_")]:
        del env[key]
    memory = int(args.memory_gb * 2 ** 30)
    started = time.time()
    jobs: list[tuple[str, list[str], list[str], str]] = []
    cases = work / "cases"
    cases.mkdir(exist_ok=True)
    for name, text, what in scenario_cases(args.seed, n_scenarios, args.quick):
        path = cases / f"{name}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        jobs.append((name, ["validate", str(path)], [path.name, str(path)], what))
    finished, killed = base_run(args.binary, work, env)
    rng = random.Random(args.seed + 1)
    log = (finished / "events.agl").read_bytes()
    checkpoint = (killed / "checkpoint.bin").read_bytes()
    for k in range(n_logs):
        target = cases / f"l{k:04d}"
        if k % 5 == 4:
            shutil.copytree(killed, target)
            data, what = damage_checkpoint(checkpoint, rng)
            (target / "checkpoint.bin").write_bytes(data)
            jobs.append((target.name, ["run", "--resume", str(target), "--quiet"], [target.name, "checkpoint"], "checkpoint: " + what))
        else:
            shutil.copytree(finished, target)
            data, what = damage_log(log, rng)
            (target / "events.agl").write_bytes(data)
            command = [["log", "check", str(target)], ["replay", str(target), "--verify"], ["analyze", str(target)]][k % 3]
            jobs.append((target.name, command, [target.name, "events.agl", "log"], "log: " + what))

    def one(job):
        name, command, names, what = job
        outcome, err = run_case(args.binary, command, names, args.timeout, memory, env)
        return name, command, what, outcome, err

    counts: dict[str, int] = {}
    failures = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, command, what, outcome, err in pool.map(one, jobs):
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome in ("crash", "hang", "unpositioned"):
                failures.append({"case": name, "command": command[0], "what": what, "outcome": outcome,
                                 "stderr": err.strip().splitlines()[-3:]})
    report = {"scenario_cases": n_scenarios, "log_cases": n_logs, **{k: counts.get(k, 0) for k in
              ("accepted", "clean", "unpositioned", "crash", "hang")}, "seconds": round(time.time() - started, 1)}
    print(json.dumps(report))
    for f in failures:
        print(json.dumps(f), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
