#!/usr/bin/env bash
# Renders the quarterly notice draft, the weekly email and three pages of the office
# console (总览, a 单位 page, a 问题 page) to PNG with headless Chromium, so a person can
# look at them. Not run by CI.
#
#   scripts/screenshots.sh [OUTDIR]      (default: ./screenshots)
#
# Builds govwatch, serves generated list pages with python3's http.server on 127.0.0.1,
# replays a few checks of 2020Q3 with --now, then writes notice.html / notice.png and
# email.html / email.png. Needs python3, chromium and fonts-noto-cjk (Debian:
# apt-get install chromium fonts-noto-cjk). Chromium is started so that it calls nothing
# outside loopback. With LibreOffice and poppler-utils (apt-get install
# libreoffice-writer-nogui poppler-utils) it also writes notice.docx as notice-docx-N.png,
# one image a page. The console pages come from `govwatch demo --serve` (the built-in
# demo county on the real clock), logged in with curl as the demo's office user, each
# page saved with its stylesheet inlined: overview.png, unit.png, finding.png.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-screenshots}")
mkdir -p "$out"
work=$(mktemp -d)
server_pid=""
demo_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

for tool in python3 chromium curl; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install chromium python3 curl)" >&2; exit 2; }
done
fc-list | grep -qi cjk || echo "warning: no CJK font; apt-get install fonts-noto-cjk" >&2

(cd "$root" && cargo build --quiet)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/govwatch"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# The demo county: list pages (ul/li, a date span) and its catalog.
python3 - "$work" "$base" <<'PY'
import os, sys
work, base = sys.argv[1], sys.argv[2]
site = os.path.join(work, "site")
columns = [  # path, name, class, quota, unit, dates
    ("gzdt", "工作动态", "news", 12, "县公安局", ["2020-07-03", "2020-07-18", "2020-08-02", "2020-09-10"]),
    ("tzgg", "通知公告", "notice", 3, "审计局", ["2020-05-10", "2020-06-10"]),
    ("sjdt", "审计动态", "news", None, "审计局", ["2020-06-25"]),
    ("zdcq", "征地拆迁", "other", None, "旧改办", ["2020-07-15"]),
    ("jsjf", "减税降费", "policy", 3, "财政局", ["2020-07-06", "2020-08-12", "2020-09-08"]),
    ("rsxx", "人事信息", "personnel", None, "旧改办", []),
    # A township's news and documents: 乡镇 are tabled apart from the departments.
    ("cgdt", "乡镇动态", "news", 12, "城关镇", ["2020-07-09", "2020-08-20", "2020-09-16"]),
    ("cgwj", "政策文件", "policy", 3, "城关镇", ["2020-07-30"]),
]
def page(title, body):
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ColumnName" content="%s">'
            '<title>%s_示例县人民政府</title></head><body><div class="list">%s</div></body></html>' % (title, title, body))
os.makedirs(site, exist_ok=True)
home = []
for path, name, cls, quota, unit, dates in columns:
    os.makedirs(os.path.join(site, path), exist_ok=True)
    items = "".join('<li><a href="/%s/%d.html">%s信息%d</a><span>%s</span></li>' % (path, i, name, i, d)
                    for i, d in reversed(list(enumerate(dates))))
    home.append(items)
    # An empty column says so, as real templates do (暂无信息): only a marker makes a 空白栏目.
    body = "<ul>%s</ul>" % items if items else '<ul class="list"></ul><p>暂无信息</p>'
    open(os.path.join(site, path, "index.html"), "w").write(page(name, body))
    for i, d in enumerate(dates):
        open(os.path.join(site, path, "%d.html" % i), "w").write(page(name, "<p>%s</p>" % d))
# Two links that lead nowhere, for the broken-link list (死链清单).
home.append('<li><a href="/xxgk/2019/zcwj.html">2019年政策文件汇编</a></li>')
home.append('<li><a href="/files/jsjf-2020.pdf">减税降费政策解读.pdf</a></li>')
open(os.path.join(site, "index.html"), "w").write(page("首页", "<ul>%s</ul>" % "".join(home)))
cfg = os.path.join(work, "config", "catalog")
os.makedirs(cfg, exist_ok=True)
open(os.path.join(work, "config", "govwatch.toml"), "w").write(
    '[general]\noffice_name = "示例县人民政府办公室"\n\n'
    '[fetch]\nper_host_interval_ms = 0\ndns = "static"\nretries = 0\n\n'
    '[notify]\noffice = ["gkb@example.gov.cn"]\n\n'
    '[report.scoring]\nbase = 300\n[report.scoring.points]\ncolumn_zero_publish = -8\n'
    'column_quota_shortfall = -4\ncolumn_stale = -2\n')
units = [("县政府办", "县级部门"), ("县公安局", "县级部门"), ("审计局", "县级部门"),
         ("旧改办", "县级部门"), ("财政局", "县级部门"), ("城关镇", "乡镇")]
text = "".join('[[unit]]\nname = "%s"\nlevel = "%s"\n\n' % u for u in units)
text += '[[site]]\nname = "示例县人民政府"\nurl = "%s/"\nunit = "县政府办"\n\n' % base
for path, name, cls, quota, unit, dates in columns:
    text += '[[column]]\nsite = "示例县人民政府"\nname = "%s"\nurl = "%s/%s/index.html"\nunits = ["%s"]\nclass = "%s"\n' % (
        name, base, path, unit, cls)
    if quota:
        text += "quota = %d\n" % quota
    text += "\n"
open(os.path.join(cfg, "county.toml"), "w").write(text)
PY

python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/site" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('$base/')" 2>/dev/null && break; sleep 0.1; done

gw() { (cd "$work" && RUST_LOG=error "$bin" --config config --database "sqlite://$work/govwatch.db" "$@"); }
for day in 2020-08-10 2020-08-17 2020-09-10 2020-09-25 2020-10-01 2020-10-08; do
    gw --now "$day" check >/dev/null
done
gw --now 2020-10-08 report --period 2020Q3 --format html --output "$out/notice.html"
gw --now 2020-10-08 report --period 2020Q3 --format docx --output "$out/notice.docx"
gw --now 2020-10-12 notify --dry-run --outbox "$work/outbox" >/dev/null

# The office's digest: the .eml addressed to the office; its text/html part.
python3 - "$work/outbox" "$out/email.html" <<'PY'
import email, email.policy, glob, sys
outbox, target = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(outbox + "/**/*.eml", recursive=True))
if not files:
    sys.exit("no .eml in " + outbox)
chosen = next((f for f in files if "gkb@example.gov.cn" in open(f, errors="replace").read()), files[0])
msg = email.message_from_binary_file(open(chosen, "rb"), policy=email.policy.default)
part = msg.get_body(preferencelist=("html",))
open(target, "w", encoding="utf-8").write(part.get_content())
print("email:", chosen)
PY

shot() {
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$(mktemp -d -p "$work")" --window-size="1200,$3" \
        --screenshot="$2" "file://$1" >/dev/null 2>&1
}
# Chromium captures the window only: the notice with its five attachments is longer.
shot "$out/notice.html" "$out/notice.png" 3000
shot "$out/email.html" "$out/email.png" 2000

# The console: the demo county served, logged in as the office.
console_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && RUST_LOG=error exec "$bin" demo --dir "$work/demo" --serve --listen "127.0.0.1:$console_port") \
    >"$work/demo.out" 2>"$work/demo.err" &
demo_pid=$!
for _ in $(seq 600); do grep -q '演示账号 demo，' "$work/demo.out" 2>/dev/null && break; sleep 0.2; done
grep -q '演示账号 demo，' "$work/demo.out" || { cat "$work/demo.out" "$work/demo.err" >&2; echo "govwatch demo --serve did not start" >&2; exit 2; }
console="http://127.0.0.1:$console_port"
password=$(sed -n 's/^ *演示账号 demo，密码 \([^（]*\)（.*/\1/p' "$work/demo.out")
unit=$(sed -n 's/^ *演示账号 demo-unit，密码 [^（]*（[^：]*：\(.*\)）$/\1/p' "$work/demo.out")
jar="$work/cookies.txt"
# The login form's CSRF token: in its cookie (kept in the jar) and in a hidden field.
csrf=$(curl -fsS -c "$jar" "$console/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
curl -fsS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "name=demo" --data-urlencode "password=$password" \
    --data-urlencode "csrf=$csrf" --data-urlencode "next=/" "$console/login"
page() { curl -fsS -b "$jar" "$console$1"; }
unit_path=$(python3 -c 'import sys, urllib.parse; print("/units/" + urllib.parse.quote(sys.argv[1], safe=""))' "$unit")
finding=$(page "/findings?sort=days" | grep -o 'href="/findings/[0-9]*"' | head -n1 | sed 's/href="\(.*\)"/\1/')
css="$work/console.css"
page /static/console.css >"$css"
# Each page with the stylesheet inlined, so the file opens on its own.
save() {
    page "$1" | python3 -c 'import sys; css = open(sys.argv[1], encoding="utf-8").read(); html = sys.stdin.read(); sys.stdout.write(html.replace("<link rel=\"stylesheet\" href=\"/static/console.css\">", "<style>" + css + "</style>"))' "$css" >"$2"
    grep -q '<style>' "$2" || { echo "$1: not a console page (logged out?)" >&2; exit 2; }
}
save / "$out/overview.html"
save "$unit_path" "$out/unit.html"
save "$finding" "$out/finding.html"
kill "$demo_pid" 2>/dev/null || true
wait "$demo_pid" 2>/dev/null || true
demo_pid=""
for name in overview unit finding; do
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$(mktemp -d -p "$work")" --window-size=1280,1600 \
        --screenshot="$out/$name.png" "file://$out/$name.html" >/dev/null 2>&1
done

if command -v soffice >/dev/null && command -v pdftoppm >/dev/null; then
    HOME="$work" soffice --headless --convert-to pdf --outdir "$work" "$out/notice.docx" >/dev/null 2>&1
    pdftoppm -png -r 60 "$work/notice.pdf" "$out/notice-docx"
else
    echo "no soffice/pdftoppm: notice.docx not rendered" >&2
fi
ls -l "$out"
