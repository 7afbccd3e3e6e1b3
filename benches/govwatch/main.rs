//! govwatch's benchmarks (see BENCHMARKS.md): `cargo bench --bench govwatch -- [options]`
//! or `bash scripts/bench.sh`. Only loopback is touched; each part takes a minute or two.
//!
//! - `extract`: list extraction alone, in this process: the real-shaped list fixtures
//!   cycled into 1,000 pages through `govwatch::extract::extract_list`; median of 5
//!   passes, and one machine-readable `extract:` line to compare two commits.
//! - `words`: 错敏词 scanning throughput, in this process: a few MB of Chinese text against
//!   a 10,000-entry word list, daachorse and aho-corasick beside a plain byte scan.
//! - `links`: one generated site, checked by `govwatch links`, lychee and LinkChecker
//!   (when installed) at equal per-host politeness; wall time, peak RSS, findings.
//! - `portal`: one whole `govwatch check` over a portal of 1,000 item pages with links
//!   (every item page read, `full_every_days = 1`) against lychee on the same pages; every
//!   planted broken link must be found.
//! - `crawl`: `govwatch crawl` with politeness off against `wrk` on the same server, over
//!   the whole process and in steady state.
//! - `politeness`: many hosts with a minimum interval: wall time over the lower bound
//!   max over hosts of (requests × interval).
//! - `county`: 60 sites, 2,000 columns of 3 list pages, 400 feeds: one `govwatch check`;
//!   then 1 M stored observations and the detect stage alone.
//! - `console`: the office console's pages (总览, 问题列表 and its filters, 问题) over
//!   100,000 findings seeded through the store, as an office and a unit user.
//!
//! Every other measured program runs as a child process, so its wall time and peak RSS
//! are its own (wait4). Without `--bench` (as `cargo test --all-targets` runs it) it does
//! nothing.

mod console;
mod extract;
mod server;
mod site;
mod words;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sqlx::Row;

const GOVWATCH: &str = env!("CARGO_BIN_EXE_govwatch");
/// The run's day for every generated site and every govwatch command.
const TODAY: &str = "2026-03-20";

struct Options {
    only: Vec<String>,
    out: Option<PathBuf>,
    keep: bool,
    quick: bool,
    pages: usize,
    links: usize,
    broken_share: f64,
    hosts: usize,
    concurrency: usize,
    fixtures: PathBuf,
    extract_pages: usize,
    reps: usize,
    words_mb: usize,
    word_count: usize,
    /// Columns a host in the crawl part (400; 50 with --quick).
    crawl_columns: Option<usize>,
    /// Findings seeded for the console part (100,000; 10,000 with --quick).
    console_findings: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child-detect") {
        child_detect(&args[1..]);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("govwatch bench: skipped (run it with `cargo bench --bench govwatch`)");
        return;
    }
    let options = parse(&args);
    let work = std::env::temp_dir().join(format!("govwatch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("create the work directory");
    let mut report = String::new();
    let _ = writeln!(report, "{}", machine());
    println!("{report}");
    // The in-process parts last: a child's peak RSS (wait4) counts its parent's at the
    // fork, so the children are measured while the bench itself is still small.
    let parts = [
        "links",
        "portal",
        "crawl",
        "politeness",
        "county",
        "extract",
        "words",
        "console",
    ];
    for part in parts {
        if !options.only.is_empty() && !options.only.iter().any(|o| o == part) {
            continue;
        }
        let dir = work.join(part);
        std::fs::create_dir_all(&dir).expect("create a part's directory");
        let started = Instant::now();
        let text = match part {
            "extract" => extract::bench(&extract::Spec {
                fixtures: &options.fixtures,
                pages: options.extract_pages,
                reps: options.reps,
            }),
            "words" => words::bench(&words::Spec {
                mb: options.words_mb,
                words: options.word_count,
                reps: options.reps,
            }),
            "links" => bench_links(&dir, &options),
            "portal" => bench_portal(&dir, &options),
            "crawl" => bench_crawl(&dir, &options),
            "politeness" => bench_politeness(&dir, &options),
            "console" => console::bench(
                &dir,
                &console::Spec {
                    findings: options.console_findings,
                    units: 300,
                    reps: options.reps,
                },
            ),
            _ => bench_county(&dir, &options),
        };
        let text = format!(
            "{text}\n({part}: {:.0} s in all)\n",
            secs(started.elapsed())
        );
        println!("{text}");
        report.push_str(&text);
        report.push('\n');
    }
    if let Some(out) = &options.out {
        std::fs::write(out, &report).expect("write the report");
        println!("written to {}", out.display());
    }
    if options.keep {
        println!("work directory kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
}

fn parse(args: &[String]) -> Options {
    let mut o = Options {
        only: Vec::new(),
        out: None,
        keep: false,
        quick: false,
        pages: 2000,
        links: 20,
        broken_share: 0.05,
        hosts: 4,
        concurrency: 8,
        fixtures: extract::default_fixtures(),
        extract_pages: 1000,
        reps: 5,
        words_mb: 4,
        word_count: 10_000,
        crawl_columns: None,
        console_findings: 100_000,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
                .clone()
        };
        match a.as_str() {
            "--bench" => {}
            "--only" => o.only = value(a).split(',').map(str::to_string).collect(),
            "--out" => o.out = Some(value(a).into()),
            "--keep" => o.keep = true,
            "--quick" => o.quick = true,
            "--pages" => o.pages = value(a).parse().expect("--pages N"),
            "--links" => o.links = value(a).parse().expect("--links N"),
            "--broken-share" => o.broken_share = value(a).parse().expect("--broken-share 0.05"),
            "--hosts" => o.hosts = value(a).parse().expect("--hosts N"),
            "--concurrency" => o.concurrency = value(a).parse().expect("--concurrency N"),
            "--fixtures" => o.fixtures = value(a).into(),
            "--extract-pages" => o.extract_pages = value(a).parse().expect("--extract-pages N"),
            "--reps" => o.reps = value(a).parse().expect("--reps N"),
            "--words-mb" => o.words_mb = value(a).parse().expect("--words-mb N"),
            "--word-count" => o.word_count = value(a).parse().expect("--word-count N"),
            "--console-findings" => {
                o.console_findings = value(a).parse().expect("--console-findings N");
            }
            "--crawl-columns" => {
                o.crawl_columns = Some(value(a).parse().expect("--crawl-columns N"));
            }
            other => panic!(
                "unknown option {other}; options: --only extract,words,links,portal,crawl,politeness,county,console --out FILE --keep --quick --pages N --links N --broken-share F --hosts N --concurrency N --fixtures DIR --extract-pages N --reps N --words-mb N --word-count N --crawl-columns N --console-findings N"
            ),
        }
    }
    if o.quick {
        o.pages = o.pages.min(300);
        o.console_findings = o.console_findings.min(10_000);
    }
    o
}

fn today() -> NaiveDate {
    NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("TODAY is a date")
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// nproc, the CPU model and the memory, from /proc.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or("?".into(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("machine: {cores} cores ({model}), {mem} RAM")
}

/// How a child process ran.
struct Measured {
    wall: Duration,
    /// Peak resident set size, MiB.
    rss_mib: f64,
    /// User and system CPU time (what a busy machine's wall time hides).
    cpu: Duration,
    success: bool,
    stdout: String,
}

/// Runs `cmd` to its end with stdout and stderr in `log`(.out/.err); its wall time and
/// peak RSS from wait4.
fn measure(cmd: &mut Command, log: &Path) -> Measured {
    let out = std::fs::File::create(log.with_extension("out")).expect("create a log");
    let err = std::fs::File::create(log.with_extension("err")).expect("create a log");
    let started = Instant::now();
    // Reaped by wait4 below, which std's wait cannot do (it drops the resource usage).
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, with valid pointers.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed for {cmd:?}");
    let wall = started.elapsed();
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measured {
        wall,
        rss_mib: usage.ru_maxrss as f64 / 1024.0,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        success,
        stdout: std::fs::read_to_string(log.with_extension("out")).unwrap_or_default(),
    }
}

fn govwatch(config: &Path, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(GOVWATCH);
    cmd.arg("--config")
        .arg(config)
        .arg("--database")
        .arg(db)
        .arg("--now")
        .arg(TODAY)
        .args(args)
        .env("RUST_LOG", "warn");
    cmd
}

/// lychee and wrk from PATH, or from `$GOVWATCH_BENCH_TOOLS/bin`.
fn tool(name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GOVWATCH_BENCH_TOOLS") {
        let p = Path::new(&dir).join("bin").join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    server::find_program(name)
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("govwatch.db").display())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Requests govwatch made per host (from its fetch attempts).
fn attempts_per_host(db: &str) -> Vec<(String, i64)> {
    runtime().block_on(async {
        let pool = sqlx::SqlitePool::connect(db)
            .await
            .expect("open the bench db");
        let rows = sqlx::query("SELECT host, COUNT(*) FROM fetch_attempts GROUP BY host")
            .fetch_all(&pool)
            .await
            .expect("count fetch attempts");
        rows.iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
            .collect()
    })
}

/// Findings in a bench database (every one was opened by the run that made it).
fn findings_in(db: &str) -> i64 {
    runtime().block_on(async {
        let pool = sqlx::SqlitePool::connect(db)
            .await
            .expect("open the bench db");
        sqlx::query_scalar("SELECT COUNT(*) FROM findings")
            .fetch_one(&pool)
            .await
            .expect("count findings")
    })
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn line(name: &str, m: &Measured, extra: String) -> String {
    row(&[
        name.to_string(),
        format!("{:.2} s", secs(m.wall)),
        format!("{:.0} MiB", m.rss_mib),
        if m.success {
            extra
        } else {
            format!("FAILED (exit status not 0) {extra}")
        },
    ])
}

/// The number after `label` in `text` (commas allowed).
fn number_after(text: &str, label: &str) -> Option<f64> {
    let at = text.find(label)? + label.len();
    let digits: String = text[at..]
        .trim_start_matches([' ', ':', '\t'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    digits.parse().ok()
}

fn bench_links(dir: &Path, o: &Options) -> String {
    let spec = site::LinkSiteSpec {
        pages: o.pages,
        links: o.links,
        broken_share: o.broken_share,
        hosts: o.hosts,
    };
    let port = server::free_port();
    let root = dir.join("www");
    let site = site::link_site(&root, port, spec);
    let server = server::start(&root, dir, spec.hosts, port);
    let c = o.concurrency;
    let mut out = format!(
        "## links: govwatch vs lychee vs LinkChecker\n\nsite: {} pages on {} hosts, {} links a page ({} link occurrences, {} unique URLs, {} of them missing), served by {}; politeness for every tool: {c} requests in flight per host, no interval.\n\n| tool | wall | peak RSS | result |\n|---|---|---|---|\n",
        spec.pages,
        spec.hosts,
        spec.links,
        site.link_occurrences,
        site.unique_links,
        site.broken_links,
        server.kind
    );

    let config = site::write_config(dir, &site::settings(c, 0), &site::link_catalog(&site, port));
    let db = sqlite_url(dir);
    let gw = measure(
        &mut govwatch(&config, &db, &["links"]),
        &dir.join("govwatch"),
    );
    let summary = gw.stdout.lines().last().unwrap_or_default().to_string();
    out.push_str(&line("govwatch links", &gw, summary));

    let urls = site.page_urls.join("\n");
    let mut ratios = Vec::new();
    let mut compared = None;
    match tool("lychee") {
        Some(lychee) => {
            let (m, broken, summary) = run_lychee(&lychee, dir, &site.page_urls, c, 32);
            out.push_str(&line("lychee", &m, summary));
            compared = Some(compare_broken(&govwatch_broken(&db), &broken));
            ratios.push(format!(
                "govwatch / lychee: wall {:.2}×, peak RSS {:.2}×",
                secs(gw.wall) / secs(m.wall),
                gw.rss_mib / m.rss_mib
            ));
        }
        None => out.push_str(&row(&[
            "lychee".into(),
            "-".into(),
            "-".into(),
            "skipped: not installed (cargo install lychee --locked)".into(),
        ])),
    }
    match tool("linkchecker") {
        Some(lc) => {
            let rc = dir.join("linkcheckerrc");
            std::fs::write(
                &rc,
                "[checking]\nmaxrequestspersecond=100000\n[filtering]\ncheckextern=1\n",
            )
            .expect("write linkcheckerrc");
            std::fs::write(dir.join("urls.txt"), &urls).expect("write the URL list");
            let mut cmd = Command::new(lc);
            cmd.arg("-f")
                .arg(&rc)
                .args([
                    "--no-status",
                    "--no-warnings",
                    "--no-robots",
                    "--check-extern",
                ])
                .args(["-r", "1", "-t", "32"])
                .args(&site.page_urls)
                .env("HOME", dir);
            let m = measure(&mut cmd, &dir.join("linkchecker"));
            let summary = m
                .stdout
                .lines()
                .find(|l| l.starts_with("That's it."))
                .unwrap_or("no summary line")
                .to_string();
            // LinkChecker exits 1 when it found errors.
            let m = Measured {
                success: m.success || summary.starts_with("That's it."),
                ..m
            };
            out.push_str(&line("LinkChecker", &m, summary));
            ratios.push(format!(
                "govwatch / LinkChecker: wall {:.2}×, peak RSS {:.2}×",
                secs(gw.wall) / secs(m.wall),
                gw.rss_mib / m.rss_mib
            ));
        }
        None => out.push_str(&row(&[
            "LinkChecker".into(),
            "-".into(),
            "-".into(),
            "skipped: not installed (pip install linkchecker)".into(),
        ])),
    }
    let requests: i64 = attempts_per_host(&db).iter().map(|(_, n)| n).sum();
    let _ = writeln!(
        out,
        "\ngovwatch made {requests} requests ({:.0} a second over its whole run).",
        requests as f64 / secs(gw.wall)
    );
    for r in ratios {
        let _ = writeln!(out, "- {r}");
    }
    if let Some(compared) = compared {
        let _ = writeln!(out, "- broken sets: {compared}");
    }
    drop(server);
    out
}

/// The URLs govwatch's link checks of the run's day found broken.
fn govwatch_broken(db: &str) -> std::collections::BTreeSet<String> {
    runtime().block_on(async {
        let pool = sqlx::SqlitePool::connect(db)
            .await
            .expect("open the bench db");
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT url FROM link_checks WHERE cycle = $1 \
             AND outcome NOT IN ('ok', 'skipped', 'blocked')",
        )
        .bind(TODAY)
        .fetch_all(&pool)
        .await
        .expect("read the broken links");
        rows.into_iter().collect()
    })
}

/// govwatch's broken set against another: what both found, and what only one did
/// (listed when few).
fn compare_broken(
    govwatch: &std::collections::BTreeSet<String>,
    other: &std::collections::HashSet<String>,
) -> String {
    let both = govwatch.iter().filter(|u| other.contains(*u)).count();
    let only_gw: Vec<&String> = govwatch.iter().filter(|u| !other.contains(*u)).collect();
    let mut only_other: Vec<&String> = other.iter().filter(|u| !govwatch.contains(*u)).collect();
    only_other.sort();
    let list = |v: &[&String]| {
        if v.len() <= 5 {
            format!(
                " ({})",
                v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )
        } else {
            String::new()
        }
    };
    format!(
        "{both} found by both; {} by govwatch only{}; {} by the other only{}",
        only_gw.len(),
        list(&only_gw),
        only_other.len(),
        list(&only_other)
    )
}

/// lychee over `pages` (it reads each and checks its links, no deeper) at `per_host`
/// requests in flight per host and no interval: how it ran, the broken URLs it found and
/// a summary.
fn run_lychee(
    lychee: &Path,
    dir: &Path,
    pages: &[String],
    per_host: usize,
    max_concurrency: usize,
) -> (Measured, std::collections::HashSet<String>, String) {
    let mut cmd = Command::new(lychee);
    cmd.args(["--no-progress", "--format", "json"])
        .args(["--max-concurrency", &max_concurrency.to_string()])
        .args(["--host-concurrency", &per_host.to_string()])
        .args(["--host-request-interval", "0s"])
        .args(["--timeout", "30"])
        .arg("--output")
        .arg(dir.join("lychee.json"))
        .args(pages);
    let m = measure(&mut cmd, &dir.join("lychee"));
    let json = std::fs::read_to_string(dir.join("lychee.json")).unwrap_or_default();
    // lychee counts every occurrence ("Error (cached)" for repeats): count URLs.
    let broken: std::collections::HashSet<String> =
        serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| v.get("error_map").cloned())
            .and_then(|m| m.as_object().cloned())
            .into_iter()
            .flat_map(|m| m.into_iter())
            .flat_map(|(_, list)| list.as_array().cloned().unwrap_or_default())
            .filter_map(|e| e.get("url").and_then(|u| u.as_str()).map(str::to_string))
            .collect();
    let summary = format!(
        "{} links ({} unique) checked, {} broken",
        number_after(&json, "\"total\"").unwrap_or(f64::NAN),
        number_after(&json, "\"unique\"").unwrap_or(f64::NAN),
        broken.len()
    );
    // lychee exits 2 when it found broken links: that is a success here.
    let m = Measured {
        success: m.success || !json.is_empty(),
        ..m
    };
    (m, broken, summary)
}

/// A portal of item pages with links on every one: one whole `govwatch check` (every
/// item page read on the rotation, `full_every_days = 1`) against lychee checking the
/// same pages' links, both at 64 in flight per host and no interval.
fn bench_portal(dir: &Path, o: &Options) -> String {
    let spec = site::PortalSpec {
        columns: 40,
        per_column: if o.quick { 5 } else { 25 },
        links: o.links,
        broken_share: o.broken_share,
    };
    let per_host = 64;
    let port = server::free_port();
    let root = dir.join("www");
    let portal = site::portal(&root, port, spec, today());
    let server = server::start(&root, dir, 1, port);
    let settings = format!(
        "{}\n[links]\nfull_every_days = 1\n",
        site::settings(per_host, 0)
    );
    let config = site::write_config(dir, &settings, &portal.catalog);
    let db = sqlite_url(dir);
    let gw = measure(
        &mut govwatch(&config, &db, &["check"]),
        &dir.join("govwatch"),
    );
    let requests: i64 = attempts_per_host(&db).iter().map(|(_, n)| n).sum();
    let found = govwatch_broken(&db);
    let missed: Vec<&String> = portal
        .broken
        .iter()
        .filter(|u| !found.contains(*u))
        .collect();
    let mut out = format!(
        "## portal: one whole `govwatch check` vs lychee on the same pages\n\nsite: one host, {} columns × {} item pages, {} links an item page ({} link occurrences, {} unique URLs, {} of them planted broken: missing pages and attachments), served by {}; politeness for both: {per_host} requests in flight per host, no interval; govwatch `[links] full_every_days = 1` (every item page read this cycle), SQLite.\n\n| tool | wall | peak RSS | result |\n|---|---|---|---|\n",
        spec.columns,
        spec.per_column,
        spec.links,
        portal.link_occurrences,
        portal.unique_links,
        portal.broken.len(),
        server.kind
    );
    out.push_str(&line(
        "govwatch check (whole cycle)",
        &gw,
        format!(
            "{requests} requests, {} broken URLs, {} of the {} planted missed",
            found.len(),
            missed.len(),
            portal.broken.len()
        ),
    ));
    if let Some(lychee) = tool("lychee") {
        let (m, broken, summary) = run_lychee(&lychee, dir, &portal.page_urls, per_host, per_host);
        out.push_str(&line("lychee", &m, summary));
        let _ = writeln!(
            out,
            "\n- govwatch / lychee: wall {:.2}×, peak RSS {:.2}×\n- broken sets: {}",
            secs(gw.wall) / secs(m.wall),
            gw.rss_mib / m.rss_mib,
            compare_broken(&found, &broken)
        );
    } else {
        out.push_str(&row(&[
            "lychee".into(),
            "-".into(),
            "-".into(),
            "skipped: not installed (cargo install lychee --locked)".into(),
        ]));
    }
    if !missed.is_empty() {
        let _ = writeln!(
            out,
            "\ngovwatch MISSED planted broken links: {}",
            missed
                .iter()
                .take(10)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    drop(server);
    out
}

fn bench_crawl(dir: &Path, o: &Options) -> String {
    let hosts = 4;
    let columns = o.crawl_columns.unwrap_or(if o.quick { 50 } else { 400 });
    let pages = 3;
    let port = server::free_port();
    let root = dir.join("www");
    let catalog = site::crawl_site(&root, port, &vec![columns; hosts], pages, 20, today());
    let server = server::start(&root, dir, hosts, port);
    let config = site::write_config(dir, &site::settings(64, 0), &catalog);
    let db = sqlite_url(dir);
    let spawned = chrono::Utc::now();
    let gw = measure(
        &mut govwatch(&config, &db, &["crawl"]),
        &dir.join("govwatch"),
    );
    let requests: i64 = attempts_per_host(&db).iter().map(|(_, n)| n).sum();
    let rate = requests as f64 / secs(gw.wall);
    let steady = steady_state(&db, spawned, gw.wall);
    let mut out = format!(
        "## crawl: govwatch with politeness off vs wrk\n\nsite: {hosts} hosts × {columns} columns × {pages} list pages of 20 dated items (about 4 KB a page), served by {}. govwatch: 64 requests in flight per host, no interval, SQLite.\n\n| tool | wall | peak RSS | result |\n|---|---|---|---|\n",
        server.kind
    );
    out.push_str(&line(
        "govwatch crawl",
        &gw,
        format!(
            "{requests} pages fetched, extracted and stored: {rate:.0} pages/s over the whole process"
        ),
    ));
    let _ = writeln!(
        out,
        "\nsteady state (from the stored attempts): {:.0} pages/s over the middle 80 % of requests, {:.0} pages/s from the first request's start to the last one's end; before the first request (start-up, migrations, catalog sync) {:.2} s, after the last one (the rest of the crawl's writes, exit) {:.2} s.\n",
        steady.middle_rate, steady.span_rate, steady.before, steady.after
    );
    match tool("wrk") {
        Some(wrk) => {
            let url = format!("http://{}:{port}/col/0/index.html", site::host_ip(0));
            let mut cmd = Command::new(wrk);
            cmd.args(["-t", "2", "-c", "64", "-d", "10s", &url]);
            let m = measure(&mut cmd, &dir.join("wrk"));
            let wrk_rate = number_after(&m.stdout, "Requests/sec:").unwrap_or(f64::NAN);
            out.push_str(&line(
                "wrk -t2 -c64 -d10s (one list page)",
                &m,
                format!("{wrk_rate:.0} requests/s"),
            ));
            let _ = writeln!(
                out,
                "\n- govwatch / wrk: {:.3}× the requests a second of a load generator that reads nothing (whole process); {:.3}× in steady state",
                rate / wrk_rate,
                steady.middle_rate / wrk_rate
            );
        }
        None => out.push_str(&row(&[
            "wrk".into(),
            "-".into(),
            "-".into(),
            "skipped: not installed (apt-get install wrk)".into(),
        ])),
    }
    drop(server);
    out
}

/// The crawl's rate while it runs, apart from what comes before its first request and
/// after its last.
struct Steady {
    /// Requests a second over the middle 80 % of requests (by start).
    middle_rate: f64,
    /// Requests a second from the first start to the last end.
    span_rate: f64,
    /// Seconds from spawn to the first request, and from the last request's end to exit.
    before: f64,
    after: f64,
}

fn steady_state(db: &str, spawned: chrono::DateTime<chrono::Utc>, wall: Duration) -> Steady {
    let rows: Vec<(chrono::DateTime<chrono::Utc>, i64)> = runtime().block_on(async {
        let pool = sqlx::SqlitePool::connect(db)
            .await
            .expect("open the bench db");
        sqlx::query_as("SELECT at, duration_ms FROM fetch_attempts ORDER BY at")
            .fetch_all(&pool)
            .await
            .expect("read the fetch attempts")
    });
    let nan = Steady {
        middle_rate: f64::NAN,
        span_rate: f64::NAN,
        before: f64::NAN,
        after: f64::NAN,
    };
    if rows.len() < 10 {
        return nan;
    }
    let seconds = |a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>| {
        (b - a).num_microseconds().unwrap_or(0) as f64 / 1e6
    };
    let first = rows[0].0;
    let end = rows
        .iter()
        .map(|(at, ms)| *at + chrono::Duration::milliseconds(*ms))
        .max()
        .unwrap_or(first);
    let (lo, hi) = (rows.len() / 10, rows.len() * 9 / 10);
    Steady {
        middle_rate: (hi - lo) as f64 / seconds(rows[lo].0, rows[hi].0),
        span_rate: rows.len() as f64 / seconds(first, end),
        before: seconds(spawned, first),
        after: secs(wall) - seconds(spawned, end),
    }
}

fn bench_politeness(dir: &Path, o: &Options) -> String {
    let hosts = if o.quick { 8 } else { 24 };
    let interval_ms = 250u64;
    // Host h has 2 + h columns: the busiest host bounds the run.
    let per_host: Vec<usize> = (0..hosts).map(|h| 2 + h).collect();
    let port = server::free_port();
    let root = dir.join("www");
    let catalog = site::crawl_site(&root, port, &per_host, 1, 20, today());
    let server = server::start(&root, dir, hosts, port);
    let config = site::write_config(dir, &site::settings(2, interval_ms), &catalog);
    let db = sqlite_url(dir);
    let gw = measure(
        &mut govwatch(&config, &db, &["crawl"]),
        &dir.join("govwatch"),
    );
    let counts = attempts_per_host(&db);
    let busiest = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let bound = Duration::from_millis(interval_ms * busiest as u64);
    drop(server);
    format!(
        "## politeness efficiency\n\n{hosts} hosts, {total} requests (the busiest host {busiest}), {interval_ms} ms minimum interval and 2 requests in flight per host, `govwatch crawl`.\n\n| | |\n|---|---|\n| lower bound max over hosts (requests × interval) | {:.2} s |\n| govwatch wall (whole process) | {:.2} s |\n| efficiency (wall / bound) | {:.3} |\n| peak RSS | {:.0} MiB |\n",
        secs(bound),
        secs(gw.wall),
        secs(gw.wall) / secs(bound),
        gw.rss_mib
    ) + if gw.success {
        ""
    } else {
        "\ngovwatch FAILED: see the log\n"
    }
}

fn bench_county(dir: &Path, o: &Options) -> String {
    let spec = if o.quick {
        site::CountySpec {
            sites: 10,
            columns: 200,
            pages: 3,
            per_page: 10,
            accounts: 40,
        }
    } else {
        site::CountySpec {
            sites: 60,
            columns: 2000,
            pages: 3,
            per_page: 10,
            accounts: 400,
        }
    };
    let port = server::free_port();
    let root = dir.join("www");
    let generated = Instant::now();
    let county = site::county(&root, port, spec, today());
    let generated = generated.elapsed();
    let server = server::start(&root, dir, spec.sites, port);
    let concurrency = 4;
    let config = site::write_config(dir, &site::settings(concurrency, 0), &county.catalog);
    let db = sqlite_url(dir);
    let check = measure(&mut govwatch(&config, &db, &["check"]), &dir.join("check"));
    // The same cycle with the content stage off, on a database of its own: what content
    // scanning adds (issue 21 allows 15 %).
    let plain = dir.join("content-off");
    let plain_config = site::write_config(
        &plain,
        &format!(
            "{}\n[content]\nenabled = false\n",
            site::settings(concurrency, 0)
        ),
        &county.catalog,
    );
    let plain_check = measure(
        &mut govwatch(&plain_config, &sqlite_url(&plain), &["check"]),
        &plain.join("check"),
    );
    let server_kind = server.kind.clone();
    drop(server);
    let requests: i64 = attempts_per_host(&db).iter().map(|(_, n)| n).sum();
    let findings = findings_in(&db);
    let mut out = format!(
        "## county scale\n\n{} sites, {} columns × {} list pages of {} items, {} feeds ({} files generated in {:.1} s, served by {}); politeness {concurrency} in flight per host, no interval; SQLite.\n\n| run | wall | peak RSS | result |\n|---|---|---|---|\n",
        spec.sites,
        spec.columns,
        spec.pages,
        spec.per_page,
        spec.accounts,
        county.files,
        secs(generated),
        server_kind,
    );
    out.push_str(&line(
        "govwatch check (one whole cycle)",
        &check,
        format!(
            "{requests} requests, {findings} findings opened, CPU {:.2} s",
            secs(check.cpu)
        ),
    ));
    let plain_findings = findings_in(&sqlite_url(&plain));
    out.push_str(&line(
        "the same with `[content] enabled = false`",
        &plain_check,
        format!(
            "{plain_findings} findings opened, CPU {:.2} s; content on / off: wall {:.3}, CPU {:.3}",
            secs(plain_check.cpu),
            secs(check.wall) / secs(plain_check.wall),
            secs(check.cpu) / secs(plain_check.cpu),
        ),
    ));

    // 1 M observations: items, posts, probes and crawl results, written straight into
    // the database the cycle just used.
    let filled = Instant::now();
    let rows = runtime().block_on(fill(&db, if o.quick { 100_000 } else { 1_000_000 }));
    let filled = filled.elapsed();
    let mut cmd = Command::new(std::env::current_exe().expect("the bench binary"));
    cmd.arg("--child-detect")
        .arg(&config)
        .arg(&db)
        .env("RUST_LOG", "warn");
    let detect = measure(&mut cmd, &dir.join("detect"));
    let stage = number_after(&detect.stdout, "detect_seconds=").unwrap_or(f64::NAN);
    out.push_str(&line(
        &format!("detect over {rows} stored observations"),
        &detect,
        format!(
            "detect stage {stage:.2} s ({}; child CPU {:.2} s; rows written in {:.1} s)",
            detect.stdout.trim(),
            secs(detect.cpu),
            secs(filled)
        ),
    ));
    out
}

/// Adds about `target` observation rows, spread like a county's history: column items,
/// account posts, probes and crawl results. Returns the rows in the observation tables.
async fn fill(db: &str, target: i64) -> i64 {
    let pool = sqlx::SqlitePool::connect(db)
        .await
        .expect("open the county db");
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table}"
            )))
            .fetch_one(&pool)
            .await
            .expect("count rows")
        }
    };
    let columns = count("columns").await.max(1);
    let accounts = count("accounts").await.max(1);
    let sites = count("sites").await.max(1);
    let probes_per_site = 7 * 48;
    let crawls_per_column = 10;
    let posts_per_account = (target / 5 / accounts).max(1);
    let items_per_column = ((target
        - posts_per_account * accounts
        - probes_per_site * sites
        - crawls_per_column * columns)
        / columns)
        .max(1);
    let now = format!("{TODAY}T02:00:00+00:00");
    let statements = [
        // Older than what the cycle stored: the history of earlier quarters.
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
             INSERT INTO column_items (column_id, url, title, published_on, date_source, first_seen, last_seen)
             SELECT c.id, 'http://history.invalid/' || c.id || '/' || n.i || '.html', '历史信息' || n.i,
                    date('{TODAY}', '-' || (200 + n.i) || ' days'), 'list', '{now}', '{now}'
             FROM columns c, n",
            items_per_column - 1
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
             INSERT INTO account_posts (account_id, post_key, title, url, published_at, original, first_seen)
             SELECT a.id, 'history-' || n.i, '历史发布' || n.i, NULL,
                    strftime('%Y-%m-%dT%H:%M:%S+00:00', '{now}', '-' || (24 * 60 + n.i * 11) || ' hours'), 1, '{now}'
             FROM accounts a, n",
            posts_per_account - 1
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
             INSERT OR IGNORE INTO probes (site_id, at, outcome, status, latency_ms)
             SELECT s.id, strftime('%Y-%m-%dT%H:%M:%S+00:00', '{now}', '-' || (n.i * 30 + 1) || ' minutes'), 'ok', 200, 80
             FROM sites s, n",
            probes_per_site - 1
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {})
             INSERT OR IGNORE INTO column_crawls (column_id, at, outcome, status, items_found, new_items, pages)
             SELECT c.id, strftime('%Y-%m-%dT%H:%M:%S+00:00', '{now}', '-' || (n.i + 1) || ' days'), 'ok', 200, 30, 0, 3
             FROM columns c, n",
            crawls_per_column - 1
        ),
    ];
    for sql in &statements {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    let mut total = 0;
    for table in [
        "fetch_attempts",
        "column_items",
        "account_posts",
        "probes",
        "link_checks",
        "link_sources",
        "column_crawls",
        "home_reads",
        "account_checks",
    ] {
        total += count(table).await;
    }
    pool.close().await;
    total
}

/// The child that times the detect stage alone: `--child-detect CONFIG DATABASE`.
fn child_detect(args: &[String]) {
    let [config, database] = args else {
        panic!("--child-detect CONFIG DATABASE");
    };
    runtime().block_on(async {
        let app = govwatch::app::App::new(&govwatch::app::Options {
            config_dir: config.into(),
            database: Some(database.clone()),
            now: Some(TODAY.into()),
        })
        .expect("the bench configuration");
        let loaded = app.catalog().expect("the bench catalog");
        let store = app.open_store().await.expect("the bench database");
        let ids = store.catalog_ids().await.expect("catalog ids");
        let started = Instant::now();
        let report = govwatch::cycle::detect::run(
            &store,
            &loaded.catalog,
            &ids,
            &app.settings,
            &app.clock,
            None,
        )
        .await
        .expect("the detect stage");
        let holding: usize = report.holding.values().sum();
        println!(
            "detect_seconds={:.3} findings holding: {holding}",
            started.elapsed().as_secs_f64()
        );
    });
}
