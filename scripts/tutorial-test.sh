#!/usr/bin/env bash
# Follows docs/tutorial.md verbatim in a fresh folder: every file block (```swift file=PATH, ```yaml
# file=PATH) is written, every ```sh block is run in order (```sh exit=N: it must exit N), with this
# checkout's agora on PATH. A tutorial that no longer works fails `make test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$root/.build/debug/agora" "$work/bin/agora"
export PATH="$work/bin:$PATH"
export AGORA_CATALOG="$work/catalog.sqlite" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
python3 - "$root/docs/tutorial.md" > "$work/tutorial.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
out = ["set -euo pipefail"]
for info, body in re.findall(r"```([^\n]*)\n(.*?)```", text, re.S):
    words = info.split()
    if not words:
        continue
    attrs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    if "file" in attrs:
        path = attrs["file"]
        out += [f'mkdir -p "$(dirname "{path}")"', f"cat > '{path}' <<'AGORA_TUTORIAL_EOF'", body.rstrip("\n"), "AGORA_TUTORIAL_EOF"]
    elif words[0] == "sh":
        if "exit" in attrs:
            want = attrs["exit"]
            for line in body.strip().splitlines():
                out += ["set +e", line, "status=$?", "set -e",
                        f'[ "$status" -eq {want} ] || {{ echo "tutorial: expected exit {want}, got $status: {line}" >&2; exit 1; }}']
        else:
            out.append(body.rstrip("\n"))
print("\n".join(out))
PY
cd "$work"
bash "$work/tutorial.sh"
echo "tutorial: every step of docs/tutorial.md ran"
