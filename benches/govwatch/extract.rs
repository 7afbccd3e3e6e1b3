//! The `extract` part: list extraction's CPU time alone, in this process (no server, no
//! child). The real-shaped list fixtures (`tests/fixtures/pages/**/list_*.html`, each
//! read with its `.expected.json`'s `page_url` and `today`) are cycled into N pages, each
//! copy with its own page URL (`?v=N`) and a trailing comment, and every page goes
//! through `govwatch::extract::extract_list` with no selectors. Reading, decoding (GBK
//! pages through govwatch's own charset detection) and copying happen before the clock
//! starts. One warm-up pass, then `reps` timed passes; the median is the figure.
//!
//! It only calls `extract_list(html, &url, None, today) -> Result<ListPage, _>` and
//! `ListPage::items`, so the same file builds on commits before and after changes to
//! the extraction: run the binaries of two commits back to back (on the same
//! `--fixtures` directory) and compare their `extract:` lines.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use url::Url;

/// One list fixture, decoded.
struct Fixture {
    html: String,
    page_url: Url,
    today: NaiveDate,
    /// Not UTF-8 on disk (decoded before timing).
    transcoded: bool,
    bytes: usize,
}

/// One page as the timed loop reads it.
struct Page {
    html: String,
    url: Url,
    today: NaiveDate,
}

/// What the bench was asked for.
pub struct Spec<'a> {
    pub fixtures: &'a Path,
    pub pages: usize,
    pub reps: usize,
}

/// The default fixture directory: this checkout's.
pub fn default_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

/// Every `list_*.html` (or `.htm`) under `dir`, sorted by path.
fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot read the fixtures in {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.is_dir() {
                stack.push(path);
            } else if name.starts_with("list_")
                && (name.ends_with(".html") || name.ends_with(".htm"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `NAME.expected.json` beside `NAME.html` (also for `NAME.gbk.html`-style names).
fn expected_for(html: &Path) -> Option<serde_json::Value> {
    let name = html.file_name()?.to_string_lossy().into_owned();
    let mut stem = name.trim_end_matches(".html").trim_end_matches(".htm");
    loop {
        let candidate = html.with_file_name(format!("{stem}.expected.json"));
        if let Ok(text) = std::fs::read_to_string(&candidate) {
            return Some(
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", candidate.display())),
            );
        }
        stem = stem.rsplit_once('.')?.0;
    }
}

fn load(dir: &Path) -> Vec<Fixture> {
    list_files(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let expected = expected_for(&path);
            let field = |key: &str| {
                expected
                    .as_ref()
                    .and_then(|v| v.get(key))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            // A fixture without expectations still counts, on a URL of its own.
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            let page_url = field("page_url")
                .unwrap_or_else(|| format!("http://bench.invalid/{name}/index.html"));
            let page_url = Url::parse(&page_url)
                .unwrap_or_else(|e| panic!("{}: page_url {page_url:?}: {e}", path.display()));
            let today = field("today")
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .unwrap_or_else(super::today);
            let (html, transcoded) = match String::from_utf8(bytes.clone()) {
                Ok(text) => (text, false),
                Err(_) => {
                    let decoded = govwatch::fetch::charset::decode(&bytes, None);
                    (decoded.text, true)
                }
            };
            Fixture {
                html,
                page_url,
                today,
                transcoded,
                bytes: bytes.len(),
            }
        })
        .collect()
}

/// The pages of one run: the fixtures cycled, each copy varied.
fn pages(fixtures: &[Fixture], n: usize) -> Vec<Page> {
    (0..n)
        .map(|i| {
            let f = &fixtures[i % fixtures.len()];
            let mut url = f.page_url.clone();
            url.query_pairs_mut().append_pair("v", &i.to_string());
            Page {
                html: format!("{}\n<!-- v={i} -->\n", f.html),
                url,
                today: f.today,
            }
        })
        .collect()
}

/// One pass over every page: items found and extraction errors.
fn pass(pages: &[Page]) -> (usize, usize) {
    let mut items = 0;
    let mut errors = 0;
    for p in pages {
        match govwatch::extract::extract_list(black_box(&p.html), &p.url, None, p.today) {
            Ok(list) => items += black_box(list).items.len(),
            Err(_) => errors += 1,
        }
    }
    (items, errors)
}

/// CPU time of this process (user + system).
fn cpu_time() -> Duration {
    // SAFETY: a zeroed timespec is valid for clock_gettime to fill.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Peak RSS of this process so far, MiB: `VmHWM` from /proc/self/status, which starts
/// afresh at exec (getrusage's `ru_maxrss` would carry over cargo's own peak when the
/// bench runs under `cargo bench`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

pub fn bench(spec: &Spec) -> String {
    let fixtures = load(spec.fixtures);
    assert!(
        !fixtures.is_empty(),
        "no list_*.html fixtures in {}",
        spec.fixtures.display()
    );
    let reps = spec.reps.max(1);
    let pages = pages(&fixtures, spec.pages);
    let kib = fixtures.iter().map(|f| f.bytes).sum::<usize>() as f64 / 1024.0;
    let transcoded = fixtures.iter().filter(|f| f.transcoded).count();

    let (items, errors) = pass(&pages); // warm-up
    let mut walls = Vec::with_capacity(reps);
    let mut cpus = Vec::with_capacity(reps);
    for _ in 0..reps {
        let cpu = cpu_time();
        let started = Instant::now();
        let found = pass(&pages);
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        cpus.push((cpu_time() - cpu).as_secs_f64() * 1000.0);
        assert_eq!(found, (items, errors), "a pass found something else");
    }
    let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
    let max = walls.iter().copied().fold(0.0, f64::max);
    let wall = median(&mut walls);
    let cpu = median(&mut cpus);
    let n = pages.len() as f64;
    let per_1000 = wall * 1000.0 / n;
    let rss = peak_rss_mib();
    let load = load_average();

    let mut out = format!(
        "## extract: list extraction in-process\n\n{} list fixtures ({kib:.0} KiB in all, {transcoded} of them not UTF-8, decoded beforehand) from {}, cycled into {} pages (each with its own page URL `?v=N`), through `govwatch::extract::extract_list` with no selectors; one warm-up pass, then {reps} timed passes.\n\n| passes | wall | CPU | pages/s | µs/page |\n|---|---|---|---|---|\n",
        fixtures.len(),
        spec.fixtures.display(),
        pages.len(),
    );
    for (label, ms, cpu) in [
        (format!("median of {reps}"), wall, Some(cpu)),
        ("fastest".to_string(), min, None),
        ("slowest".to_string(), max, None),
    ] {
        out.push_str(&super::row(&[
            label,
            format!("{ms:.1} ms"),
            cpu.map_or("-".into(), |c| format!("{c:.1} ms")),
            format!("{:.0}", n / (ms / 1000.0)),
            format!("{:.1}", ms * 1000.0 / n),
        ]));
    }
    let _ = writeln!(
        out,
        "\n{items} items found per pass ({errors} extraction errors); peak RSS of the bench process {rss:.0} MiB; load average (1 min) after the passes {load}.\n"
    );
    let _ = writeln!(
        out,
        "extract: median_ms_per_1000={per_1000:.1} pages={} reps={reps} us_per_page={:.1} pages_per_s={:.0} cpu_ms={cpu:.1} min_ms={min:.1} max_ms={max:.1} fixtures={} items={items} errors={errors} peak_rss_mib={rss:.0} load1={load}",
        pages.len(),
        wall * 1000.0 / n,
        n / (wall / 1000.0),
        fixtures.len(),
    );
    out
}
