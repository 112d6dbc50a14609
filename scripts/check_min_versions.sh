#!/usr/bin/env bash
# The lower bounds in pyproject.toml are promises: this installs briefgen into a new venv with every runtime
# dependency (and the build backend) at exactly its lower bound, then builds the sample briefing in every
# format from outside the source tree. A CI job (.ci/run, after `make test`), not part of `make test`: it
# downloads the old releases and takes about a minute.
# Usage: scripts/check_min_versions.sh   (PYTHON=python3.11 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" scripts/min_constraints.py > "$work/constraints-min.txt"
echo "min-versions: installing with" $(cat "$work/constraints-min.txt")
"$python" -m venv "$work/venv"
# PIP_CONSTRAINT, unlike -c, also reaches the isolated build environment, so the build backend is pinned too
PIP_CONSTRAINT="$work/constraints-min.txt" "$work/venv/bin/pip" install --quiet --no-compile "$root"

mkdir "$work/run"
cp -R config samples "$work/run/"
cd "$work/run"
# With the tested versions the samples build without a warning; an old library may still write every file
# but warn on the way (WeasyPrint 68.0 refused the chart's data: URL), so any line but the closing report fails.
if ! "$work/venv/bin/briefgen" build --config config/weekly.yaml --as-of 2025-09-01 --format pdf,docx,html,json \
    --out "$work/out" > "$work/written.txt" 2> "$work/stderr.txt" \
  || grep -qv '^briefgen: [0-9]* documents read' "$work/stderr.txt"; then
  echo "min-versions: the build failed or warned:" >&2
  cut -c1-300 "$work/stderr.txt" >&2
  exit 1
fi

expected=$("$work/venv/bin/python" -c "import yaml; print(4 * len(yaml.safe_load(open('config/weekly.yaml'))['audiences']))")
written=$(wc -l < "$work/written.txt")
for file in $(cat "$work/written.txt"); do
  [ -s "$file" ] || { echo "min-versions: $file is missing or empty" >&2; exit 1; }
done
[ "$written" -eq "$expected" ] || { echo "min-versions: expected $expected files, got $written" >&2; exit 1; }
echo "min-versions: $written files built with the lowest versions pyproject.toml allows"

# The editors' page on the oldest Starlette, uvicorn and python-multipart: the edition, and one saved edit.
"$work/venv/bin/python" - "$work/venv/bin/briefgen" "$work/out" <<'PY'
import re, socket, subprocess, sys, time, urllib.parse, urllib.request
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen([sys.argv[1], "serve", "--config", "config/weekly.yaml", "--as-of", "2025-09-01",
                           "--out", sys.argv[2] + "/serve", "--port", str(port)], stdout=subprocess.DEVNULL)
base, page = f"http://127.0.0.1:{port}", ""
try:
    for _ in range(600):
        try:
            page = urllib.request.urlopen(base + "/edition?audience=analyst", timeout=30).read().decode()
        except OSError:
            pass
        if 'id="edition"' in page:
            break
        time.sleep(0.2)
    fields = {"audience": "analyst", "action": "pin", "version": "0"}
    fields["csrf"] = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    fields["item"] = re.search(r'<li id="([^"]+)">', page.split('id="operations"')[1]).group(1)
    saved = urllib.request.urlopen(base + "/edit", urllib.parse.urlencode(fields).encode(), timeout=30).read()
    assert b"controls pinned" in saved or b"pinned" in saved, "the edit was not saved"
finally:
    server.terminate()
    server.wait(10)
PY
echo "min-versions: the editors' page served an edition and saved an edit"
echo "min-versions: 1 passed, 0 failed"
