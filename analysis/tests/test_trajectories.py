"""agora.read_trajectories on a real export: a small rate-cut run against a loopback endpoint that
answers in OpenAI's format, exported in each format and read back."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import agora

SMALL_RATE_CUT = ["--set", "network.nodes=20000", "--set", "agents[0].count=6000", "--set", "agents[1].count=4000",
                  "--set", "agents[2].count=9000", "--set", "agents[3].count=980", "--set", "agents[4].count=20",
                  "--set", "ticks=130", "--set", "llm.escalation.fraction=0.01", "--set", "llm.cache=false"]


class _Endpoint(BaseHTTPRequestHandler):
    """Buys, sells, holds or talks, by the length of the observation."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        choice = len(request["messages"][-1]["content"]) % 4
        if choice == 3:
            message = {"role": "assistant", "content": "Wait and see."}
        else:
            name, args = [("place_order", {"side": "buy", "order_type": "market", "quantity": 20}),
                          ("place_order", {"side": "sell", "order_type": "market", "quantity": 20}), ("hold", {})][choice]
            message = {"role": "assistant", "content": None,
                       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}
        body = json.dumps({"choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 90, "completion_tokens": 12}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def exported(cli, tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path_factory.mktemp("trajectories") / "run"
    try:
        cli("run", "scenarios/rate-cut.yaml", "--out", str(out), *SMALL_RATE_CUT,
            "--set", f"llm.endpoint.base_url=http://127.0.0.1:{server.server_port}/v1", "--set", "llm.endpoint.model=fixture")
    finally:
        server.shutdown()
    for fmt in ("chat", "sharegpt", "preference"):
        cli("export", "trajectories", str(out), "--format", fmt, "--include-invalid")
    return out


def test_every_format_reads_into_one_row_per_line(exported):
    for fmt in ("chat", "sharegpt", "preference"):
        path = exported / f"trajectories-{fmt}.jsonl"
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        table = agora.read_trajectories(path)
        assert len(table) == len(lines)
        if fmt != "preference":
            assert len(table) > 0
            # The columns carry what the lines hold: tool, reward, provenance, persona.
            assert set(table.tool.dropna()) <= {"place_order", "hold"}
            assert table.reward.notna().sum() == sum(1 for x in lines if x["agora"]["reward"]["value"] is not None)
            assert (table.run == lines[0]["agora"]["run"]).all()
            assert "persona.risk" in table.columns
            assert set(table.valid) == {True, False}  # --include-invalid keeps the prose answers
            assert (table.user.str.startswith("Tick ")).all()


def test_the_chat_and_sharegpt_rows_agree(exported):
    chat = agora.read_trajectories(exported / "trajectories-chat.jsonl")
    share = agora.read_trajectories(exported / "trajectories-sharegpt.jsonl")
    assert list(chat.tool) == list(share.tool)
    assert list(chat.reward.fillna(-1)) == list(share.reward.fillna(-1))
    assert list(chat.system) == list(share.system)


def test_a_line_that_is_not_json_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": []}\nnot json\n')
    with pytest.raises(agora.AgoraError, match=r"bad.jsonl:2"):
        agora.read_trajectories(bad)
