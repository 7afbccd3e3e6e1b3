//! `console`: the office console's pages at scale. A fresh SQLite database is filled
//! through the store with `--console-findings` findings (default 100,000) as daily checks
//! would leave them: every kind (weighted as real counties see them), ~300 units, one in
//! seven findings of a column with several 保障单位, most rectified, some 不再监测, the rest
//! open (mostly past their 整改期限), 1 % 误报 and 整改反馈 on some. The console's router
//! then serves on loopback in this process, an office user and a unit user log in, and
//! each page of [`PAGES`] is fetched `--reps`×4 times (after a warm-up) by each: median
//! and max wall time of the whole request, as a Markdown table and one `console:` line.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, TimeZone, Utc};
use govwatch::console::auth;
use govwatch::observe::evidence::Evidence;
use govwatch::observe::kind::Kind;
use govwatch::store::{FindingAction, NewFinding, Role, Scope, Store};

/// The pages timed: a name and a path, where `{last}` is the user's last list page,
/// `{unit}` the unit user's unit and `{id}` one of that unit's findings. A new page is
/// one line here.
const PAGES: &[(&str, &str)] = &[
    ("总览", "/"),
    ("问题列表", "/findings"),
    ("问题列表, last page", "/findings?page={last}"),
    ("问题列表, one unit", "/findings?unit={unit}"),
    ("问题列表, 整改超期", "/findings?status=overdue"),
    ("问题列表, by days open", "/findings?sort=days"),
    ("问题", "/findings/{id}"),
    ("单位列表", "/units"),
    ("单位", "/units/{unit}"),
    ("排名", "/ranking"),
    ("报表", "/reports"),
];

/// A page answering slower than this (median) fails the bar.
const BAR: Duration = Duration::from_millis(100);

pub struct Spec {
    pub findings: usize,
    pub units: usize,
    pub reps: usize,
}

/// Each kind's share of findings (per mille-ish weights): broken links and stale
/// columns dominate real lists; single-veto kinds are rare.
fn weight(kind: Kind) -> u32 {
    match kind {
        Kind::LinkBroken => 300,
        Kind::ColumnStale => 150,
        Kind::ContentError => 100,
        Kind::AccountSilent => 80,
        Kind::MessageOverdue => 60,
        Kind::ColumnZeroPublish => 50,
        Kind::ColumnQuotaShortfall => 40,
        Kind::ColumnEmpty | Kind::ColumnUnreachable | Kind::PrivacyLeak => 25,
        Kind::AccountZombie | Kind::UnitZeroPublish | Kind::AccountWeeklyMinimum => 20,
        _ => 10,
    }
}

/// One evidence of each kind (the report wording tests' examples, as the store keeps
/// them): kind code, tab, JSON.
const EXAMPLES: &str = include_str!("console_evidence.tsv");

fn examples() -> Vec<(Kind, Evidence)> {
    let mut out = Vec::new();
    for line in EXAMPLES.lines().filter(|l| !l.trim().is_empty()) {
        let (code, json) = line.split_once('\t').expect("code<TAB>json");
        let kind: Kind = code.parse().expect("a known kind");
        let value = serde_json::from_str(json).expect("evidence JSON");
        out.push((
            kind,
            Evidence::from_json(kind, value).expect("evidence of its kind"),
        ));
    }
    for k in Kind::ALL {
        assert!(
            out.iter().any(|(e, _)| e == k),
            "no example evidence for {k} in console_evidence.tsv"
        );
    }
    out
}

/// A small deterministic generator (xorshift), so every run seeds the same database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// How an episode ends, decided when it opens.
#[derive(Clone, Copy)]
enum Fate {
    Rectified(u64),
    Unwatched(u64),
    Open,
}

struct Seeded {
    ids: Vec<(i64, Option<String>)>,
    seconds: f64,
}

/// Fills `store` through its reconcile, one day's checks after another over the last
/// 250 days: each day opens its findings and closes those whose time has come.
async fn seed(store: &Store, spec: &Spec, today: NaiveDate) -> Seeded {
    let started = Instant::now();
    let examples = examples();
    let total_weight: u64 = examples.iter().map(|(k, _)| u64::from(weight(*k))).sum();
    let units: Vec<String> = (1..=spec.units)
        .map(|i| format!("测试单位{i:03}"))
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let days: u64 = 250;
    let per_day = spec.findings.div_ceil(days as usize);
    let all_kinds: Vec<Kind> = Kind::ALL.to_vec();
    // Closings due per day: (subject, unwatched?).
    let mut due: Vec<Vec<(String, bool)>> = vec![Vec::new(); days as usize + 1];
    let mut ids = Vec::with_capacity(spec.findings);
    let mut made = 0usize;
    for day_index in 0..=days {
        let day = today - Days::new(days - day_index);
        let at = Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).expect("a time"));
        let mut detected = Vec::new();
        while detected.len() < per_day && made < spec.findings && day_index < days {
            let mut pick = rng.below(total_weight);
            let (kind, evidence) = examples
                .iter()
                .find(|(k, _)| {
                    let w = u64::from(weight(*k));
                    if pick < w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .expect("a kind by weight");
            // Units are uneven: a few large ones hold many findings.
            let first = (rng.below(spec.units as u64) * rng.below(spec.units as u64)
                / spec.units as u64) as usize;
            let mut names = vec![units[first].clone()];
            if rng.below(7) == 0 {
                for _ in 0..=rng.below(2) {
                    let other = units[rng.below(spec.units as u64) as usize].clone();
                    if !names.contains(&other) {
                        names.push(other);
                    }
                }
            }
            let subject = format!("bench:{}:{made}", kind.code());
            let fate = match rng.below(100) {
                0..72 => Fate::Rectified(1 + rng.below(40)),
                72..77 => Fate::Unwatched(20 + rng.below(30)),
                _ => Fate::Open,
            };
            match fate {
                Fate::Rectified(after) | Fate::Unwatched(after) => {
                    let close = (day_index + after).min(days) as usize;
                    if close < days as usize {
                        due[close].push((subject.clone(), matches!(fate, Fate::Unwatched(_))));
                    }
                }
                Fate::Open => {}
            }
            detected.push(NewFinding {
                subject_key: subject,
                unit: Some(names.join("、")),
                sentence: String::new(),
                evidence: evidence.clone(),
            });
            made += 1;
        }
        if !detected.is_empty() {
            let mut scope = Scope::kinds(all_kinds.iter().copied());
            scope.subjects = Some(HashSet::new());
            let done = store
                .reconcile_findings(&scope, &detected, at, day)
                .await
                .expect("seed a day's findings");
            for (id, f) in done.opened.iter().zip(&detected) {
                ids.push((*id, f.unit.clone()));
            }
        }
        let closing = std::mem::take(&mut due[day_index as usize]);
        if !closing.is_empty() {
            let mut scope = Scope::kinds(all_kinds.iter().copied());
            scope.subjects = Some(closing.iter().map(|(s, _)| s.clone()).collect());
            scope.unwatched = closing
                .iter()
                .filter(|(_, u)| *u)
                .map(|(s, _)| s.clone())
                .collect();
            store
                .reconcile_findings(&scope, &[], at + chrono::Duration::hours(1), day)
                .await
                .expect("close a day's findings");
        }
    }
    // 误报 on 1 %, 整改反馈 on 2 %.
    let now = Utc::now();
    for (i, (id, _)) in ids.iter().enumerate() {
        if i % 100 == 7 {
            store
                .dismiss_finding(*id, "核实为误报", "bench-office", now)
                .await
                .ok();
        }
        if i % 50 == 3 {
            store
                .record_finding_action(&FindingAction {
                    finding_id: *id,
                    action: "feedback".into(),
                    user_name: "bench-unit".into(),
                    text: Some("已整改，请复核".into()),
                    link: Some("http://127.0.0.1/fixed.html".into()),
                    at: now,
                })
                .await
                .expect("record 整改反馈");
        }
    }
    Seeded {
        ids,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// One HTTP/1.0 request on a fresh connection: (status, headers, body).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the console");
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    let body = form
        .map(|pairs| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        })
        .unwrap_or_default();
    if form.is_some() {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("send");
    s.write_all(body.as_bytes()).expect("send");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read the answer");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn cookie(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {headers:?}"))
        .to_string()
}

/// Logs in through the form; returns the session's Cookie header value.
fn login(addr: SocketAddr, name: &str, password: &str) -> String {
    let (status, headers, body) = request(addr, "GET", "/login", None, None);
    assert_eq!(status, 200, "the login form: {body}");
    let login_cookie = cookie(&headers, "govwatch_login");
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("the form's csrf") + marker.len();
    let csrf = &body[start..start + body[start..].find('"').expect("a closing quote")];
    let (status, headers, body) = request(
        addr,
        "POST",
        "/login",
        Some(&format!("govwatch_login={login_cookie}")),
        Some(&[
            ("name", name),
            ("password", password),
            ("csrf", csrf),
            ("next", "/"),
        ]),
    );
    assert_eq!(status, 303, "logging in as {name}: {body}");
    format!("{}={}", auth::COOKIE, cookie(&headers, auth::COOKIE))
}

/// The number in 问题列表's "共N条".
fn list_total(body: &str) -> usize {
    let start = body.find("共").expect("共N条") + "共".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a count")
}

struct Timing {
    median: Duration,
    max: Duration,
    bytes: usize,
}

fn time_page(addr: SocketAddr, session: &str, path: &str, reps: usize) -> Timing {
    // 200, or 303 where the page sends a unit user on (单位列表 to their own 单位).
    let answered = |status: u16| status == 200 || (status == 303 && path == "/units");
    let (status, _, body) = request(addr, "GET", path, Some(session), None);
    assert!(answered(status), "GET {path}: {status} {body}");
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        let (status, _, _) = request(addr, "GET", path, Some(session), None);
        times.push(started.elapsed());
        assert!(answered(status), "GET {path}: {status}");
    }
    times.sort();
    Timing {
        median: times[times.len() / 2],
        max: *times.last().expect("some requests"),
        bytes: body.len(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn bench(dir: &Path, spec: &Spec) -> String {
    let runtime = super::runtime();
    let config = dir.join("config");
    std::fs::create_dir_all(config.join("catalog")).expect("the config directory");
    std::fs::write(config.join("govwatch.toml"), "").expect("govwatch.toml");
    let url = super::sqlite_url(dir);
    // SAFETY: set before any thread hashes a password (the bench's own users).
    unsafe { std::env::set_var(auth::CHEAP_HASH_ENV, "1") };
    let app = govwatch::app::App::new(&govwatch::app::Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .expect("the bench configuration");
    let today = Utc::now().with_timezone(&app.clock.tz()).date_naive();
    let (store, seeded) = runtime.block_on(async {
        let store = Store::open(&url).await.expect("the bench database");
        let seeded = seed(&store, spec, today).await;
        (store, seeded)
    });
    // The unit user: the unit of a multi-unit finding that has 整改反馈.
    let (finding_id, unit) = seeded
        .ids
        .iter()
        .enumerate()
        .find(|(i, (_, u))| i % 50 == 3 && u.as_deref().is_some_and(|u| u.contains('、')))
        .map(|(_, (id, u))| {
            let u = u.as_deref().expect("a unit");
            (
                *id,
                u.split('、').nth(1).expect("a second unit").to_string(),
            )
        })
        .expect("a multi-unit finding with feedback");
    let addr = runtime.block_on(async {
        let now = Utc::now();
        let hash = auth::hash_password("bench-pass-1").expect("hash");
        store
            .add_user("bench-office", Role::Office, None, &hash, now)
            .await
            .expect("the office user");
        store
            .add_user("bench-unit", Role::Unit, Some(&unit), &hash, now)
            .await
            .expect("the unit user");
        // The catalog in use names the seeded units (for 单位 and 排名).
        let catalog = Arc::new(govwatch::catalog::Catalog {
            units: (1..=spec.units)
                .map(|i| govwatch::catalog::Unit {
                    name: format!("测试单位{i:03}"),
                    level: None,
                    contacts: Vec::new(),
                    origin: govwatch::catalog::Origin {
                        file: "bench".into(),
                        line: i,
                    },
                })
                .collect(),
            ..Default::default()
        });
        let console = Arc::new(
            govwatch::console::Console::new(Arc::new(app), store.clone(), Box::new(Vec::new))
                .with_catalog(Box::new(move || catalog.clone())),
        );
        let router = govwatch::console::router(console);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("the console serves");
        });
        addr
    });
    let users = [
        ("office", login(addr, "bench-office", "bench-pass-1")),
        ("unit", login(addr, "bench-unit", "bench-pass-1")),
    ];
    let unit_q: String = url::form_urlencoded::byte_serialize(unit.as_bytes()).collect();
    let reps = spec.reps.max(1) * 4;
    let mut rows: Vec<(String, String, Vec<Timing>)> = Vec::new();
    let mut totals = Vec::new();
    for (_, session) in &users {
        let (_, _, body) = request(addr, "GET", "/findings", Some(session), None);
        totals.push(list_total(&body));
    }
    for (name, path) in PAGES {
        let mut timings = Vec::new();
        for ((_, session), total) in users.iter().zip(&totals) {
            let path = path
                .replace("{last}", &total.div_ceil(50).max(1).to_string())
                .replace("{unit}", &unit_q)
                .replace("{id}", &finding_id.to_string());
            timings.push(time_page(addr, session, &path, reps));
        }
        rows.push((name.to_string(), path.to_string(), timings));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### console: {} findings, {} units (seeded through the store in {:.0} s); \
         office sees {}, the unit user ({unit}) {}; {reps} requests a page each\n",
        seeded.ids.len(),
        spec.units,
        seeded.seconds,
        totals[0],
        totals[1],
    );
    let _ = writeln!(
        out,
        "| page | path | office median ms | office max ms | unit median ms | unit max ms | office KB |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    let mut worst_median = Duration::ZERO;
    let mut worst_max = Duration::ZERO;
    for (name, path, t) in &rows {
        let _ = writeln!(
            out,
            "| {name} | `{path}` | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} |",
            ms(t[0].median),
            ms(t[0].max),
            ms(t[1].median),
            ms(t[1].max),
            t[0].bytes as f64 / 1024.0
        );
        for t in t {
            worst_median = worst_median.max(t.median);
            worst_max = worst_max.max(t.max);
        }
    }
    let _ = writeln!(
        out,
        "\nconsole: findings={} units={} pages={} reps={reps} worst_median_ms={:.1} worst_max_ms={:.1} under_100ms={}",
        seeded.ids.len(),
        spec.units,
        rows.len() * 2,
        ms(worst_median),
        ms(worst_max),
        if worst_median < BAR { "yes" } else { "NO" }
    );
    runtime.block_on(store.close());
    drop(runtime);
    out
}
