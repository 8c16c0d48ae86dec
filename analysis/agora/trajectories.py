"""Reading `agora export trajectories` files (docs/trajectories.md) into pandas.

    t = agora.read_trajectories("runs/rate-cut-…/trajectories-chat.jsonl")
    t[t.reward > 0].groupby("kind").tool.value_counts()

One row per line. Columns: the provenance (run, tick, agent, kind, model, archetype, valid,
fallback…), the reward (reward, baseline, advantage, window, complete and its name), the tool
called and its arguments (a dict), the prompt's system and user texts, and the line itself
(`example`, a dict, to write back after filtering). Persona attributes become `persona.<name>`
columns. Preference lines give one row per pair, the chosen answer's provenance, the rejected
answer's tool and reward as `rejected_tool` and `rejected_reward`, and `basis` and `margin`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .binary import AgoraError

_PROVENANCE = ("run", "digest", "scenario", "seed", "tick", "index", "applied_at", "agent", "member", "members", "takers",
               "kind", "archetype", "model", "tool_choice", "source", "request", "valid", "fallback", "failure")


def _answer(messages: list) -> tuple[str | None, dict | str | None]:
    """The tool and arguments of an assistant message list (its first call), or (None, its text)."""
    for m in messages:
        if m.get("role") != "assistant":
            continue
        calls = m.get("tool_calls") or []
        if calls:
            f = calls[0]["function"]
            try:
                return f["name"], json.loads(f["arguments"])
            except ValueError:
                return f["name"], f["arguments"]
        return None, m.get("content")
    return None, None


def _provenance(row: dict, a: dict) -> None:
    for k in _PROVENANCE:
        row[k] = a.get(k)
    for k, v in (a.get("persona") or {}).items():
        row[f"persona.{k}"] = v
    r = a.get("reward") or {}
    row["reward_name"] = r.get("name")
    for k in ("value", "baseline", "advantage"):
        row["reward" if k == "value" else k] = float("nan") if r.get(k) is None else float(r[k])
    row["window"] = r.get("window")
    row["complete"] = r.get("complete")
    row["prompt_tokens"] = (a.get("tokens") or {}).get("prompt")
    row["completion_tokens"] = (a.get("tokens") or {}).get("completion")


def _row(line: dict) -> dict:
    row: dict = {}
    if "input" in line:  # preference
        messages = line["input"]["messages"]
        row["tool"], row["arguments"] = _answer(line["preferred_output"])
        row["rejected_tool"], row["rejected_arguments"] = _answer(line["non_preferred_output"])
        meta = line.get("agora") or {}
        _provenance(row, meta.get("chosen") or {})
        rejected = (meta.get("rejected") or {}).get("reward") or {}
        row["rejected_reward"] = float("nan") if rejected.get("value") is None else float(rejected["value"])
        row["basis"] = meta.get("basis")
        row["margin"] = float("nan") if meta.get("margin") is None else float(meta["margin"])
    elif "conversations" in line:  # sharegpt
        messages = [{"role": "system", "content": line.get("system", "")}]
        reply = None
        for c in line["conversations"]:
            if c["from"] == "human":
                messages.append({"role": "user", "content": c["value"]})
            else:
                reply = c
        if reply is not None and reply["from"] == "function_call":
            call = json.loads(reply["value"])
            row["tool"], row["arguments"] = call.get("name"), call.get("arguments")
        else:
            row["tool"], row["arguments"] = None, reply["value"] if reply else None
        _provenance(row, line.get("agora") or {})
    else:  # chat
        messages = line["messages"]
        row["tool"], row["arguments"] = _answer(messages)
        _provenance(row, line.get("agora") or {})
    row["system"] = next((m["content"] for m in messages if m.get("role") == "system"), None)
    row["user"] = next((m["content"] for m in messages if m.get("role") == "user"), None)
    row["example"] = line
    return row


def read_trajectories(path: str | Path):
    """An export (any of its three formats) as a pandas DataFrame, one row per line; a line that
    is not JSON raises AgoraError naming the file and line."""
    import pandas as pd

    rows = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError as e:
                raise AgoraError(f"{path}:{number}: not a JSON line ({e})") from None
            if not isinstance(line, dict) or not ({"messages", "conversations", "input"} & line.keys()):
                raise AgoraError(f"{path}:{number}: not a trajectory line (no messages, conversations or input)")
            rows.append(_row(line))
    columns = ["run", "tick", "agent", "kind", "tool", "reward", "baseline", "advantage"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
