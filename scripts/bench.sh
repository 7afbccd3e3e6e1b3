#!/usr/bin/env bash
# govwatch's benchmarks (not run by CI): govwatch against lychee, LinkChecker and wrk on a
# generated site served on loopback by nginx, politeness efficiency, county scale, and list
# extraction alone (in-process, over the test fixtures).
# See BENCHMARKS.md for what is measured and the latest figures.
#
#   bash scripts/bench.sh                    # everything, a few minutes
#   bash scripts/bench.sh --quick            # small sizes, a smoke run
#   bash scripts/bench.sh --only links,crawl # some parts (extract, words, links, portal, crawl,
#                                            # politeness, county)
#   bash scripts/bench.sh --only extract     # extraction CPU only; no outside tool needed
#   bash scripts/bench.sh --only words       # 错敏词 scanning CPU only; no outside tool
#   bash scripts/bench.sh --install          # first install nginx-light, wrk, lychee, LinkChecker
#
# Other options go to the bench binary: --pages N --links N --broken-share F --hosts N
# --concurrency N --crawl-columns N --out FILE --keep, and for extract --fixtures DIR (default
# tests/fixtures/pages) --extract-pages N (1000) --reps N (5), for words --words-mb N (4)
# --word-count N (10000). The outside tools are
# optional: a missing one is skipped with a message. lychee and LinkChecker are looked up
# in PATH and in $GOVWATCH_BENCH_TOOLS/bin (default ./bench-tools, where --install puts
# them).
set -euo pipefail
cd "$(dirname "$0")/.."

export GOVWATCH_BENCH_TOOLS="${GOVWATCH_BENCH_TOOLS:-$PWD/bench-tools}"

args=()
install=false
for a in "$@"; do
    if [ "$a" = "--install" ]; then install=true; else args+=("$a"); fi
done

if $install; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y nginx-light wrk
    # lychee is a large build: into its own directory, outside the repository's target.
    CARGO_INSTALL_ROOT="$GOVWATCH_BENCH_TOOLS" cargo install lychee --locked
    python3 -m venv "$GOVWATCH_BENCH_TOOLS/linkchecker-venv"
    "$GOVWATCH_BENCH_TOOLS/linkchecker-venv/bin/pip" install linkchecker
    ln -sf ../linkchecker-venv/bin/linkchecker "$GOVWATCH_BENCH_TOOLS/bin/linkchecker"
fi

for t in nginx wrk lychee linkchecker; do
    if ! PATH="$PATH:/usr/sbin:$GOVWATCH_BENCH_TOOLS/bin" command -v "$t" >/dev/null; then
        echo "bench: $t is not installed; its part is skipped (bash scripts/bench.sh --install)" >&2
    fi
done

exec cargo bench --bench govwatch -- "${args[@]}"
