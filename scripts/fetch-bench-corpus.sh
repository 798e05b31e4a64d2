#!/usr/bin/env bash
# Fetches real text for benchmarks (tokenizer encode/train, data pipeline): installs Debian's debian-handbook
# (the Debian Administrator's Handbook, in many languages) and python3.11-doc (the Python documentation) if
# missing, and extracts plain text from their HTML into one .txt file per HTML page under OUT/<package>/.
# The text is third-party and never goes into the repository (bench-data/ is gitignored).
#
# Usage: scripts/fetch-bench-corpus.sh [--out DIR]   (default DIR: bench-data)
set -euo pipefail

out=bench-data
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "fetch-bench-corpus: unknown argument '$1' (expected --out DIR)" >&2; exit 2 ;;
  esac
done

source "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"
install_debian_packages debian-handbook python3.11-doc

command -v python3 >/dev/null || { echo "fetch-bench-corpus: python3 is needed to extract text from HTML" >&2; exit 2; }

extract() { # package html-root
  local name="$1" root="$2"
  [[ -d "$root" ]] || { echo "fetch-bench-corpus: $root not found after installing $name" >&2; exit 2; }
  python3 - "$root" "$out/$name" <<'PY'
import gzip, html.parser, os, sys

root, dest = sys.argv[1], sys.argv[2]
BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "table", "section", "title"}
SKIP = {"script", "style", "head"}

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.pre = [], 0, 0
    def handle_starttag(self, tag, attrs):
        if tag in SKIP: self.skip += 1
        if tag == "pre": self.pre += 1
        if tag in BLOCK: self.parts.append("\n")
    def handle_endtag(self, tag):
        if tag in SKIP and self.skip: self.skip -= 1
        if tag == "pre" and self.pre: self.pre -= 1
        if tag in BLOCK: self.parts.append("\n")
    def handle_data(self, data):
        if self.skip: return
        self.parts.append(data if self.pre else " ".join(data.split()) + (" " if data[-1:].isspace() else ""))
    def text(self):
        lines = [l.rstrip() for l in "".join(self.parts).splitlines()]
        out, blank = [], 0
        for l in lines:
            blank = blank + 1 if not l.strip() else 0
            if blank <= 1: out.append(l)
        return "\n".join(out).strip() + "\n"

count = size = 0
for dirpath, _, files in sorted(os.walk(root)):
    for f in sorted(files):
        if not (f.endswith(".html") or f.endswith(".html.gz")): continue
        path = os.path.join(dirpath, f)
        opener = gzip.open if f.endswith(".gz") else open
        with opener(path, "rb") as fh:
            raw = fh.read().decode("utf-8", errors="replace")
        parser = Text(); parser.feed(raw)
        text = parser.text()
        if len(text) < 200: continue
        rel = os.path.relpath(path, root).replace(os.sep, "__")
        target = os.path.join(dest, rel.rsplit(".html", 1)[0] + ".txt")
        os.makedirs(dest, exist_ok=True)
        tmp = target + ".tmp"
        with open(tmp, "w", encoding="utf-8") as w: w.write(text)
        os.replace(tmp, target)
        count += 1; size += len(text.encode("utf-8"))
print(f"{dest}: {count} files, {size / 1e6:.1f} MB", file=sys.stderr)
PY
}

mkdir -p "$out"
extract debian-handbook /usr/share/doc/debian-handbook/html
extract python3.11-doc /usr/share/doc/python3.11/html
