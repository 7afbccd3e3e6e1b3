//! The office console over real HTTP: `govwatch serve` on the fixture county, after one
//! scheduled cycle. No page without a session (303 to /login; 401 for a POST or a
//! download); the login form's CSRF; the session cookie's flags; the login rate limit;
//! CSRF-less POSTs refused; 总览 counts what the store holds, and a unit user sees their
//! unit only. On both databases.

mod support;

use govwatch::app::{App, Options};
use govwatch::console::auth;
use govwatch::store::{Role, Store};

use support::http::{Browser as Console, hidden};
use support::{FixtureServer, county, wait_for};
use tokio::net::TcpListener;

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

async fn console_on_the_county(url: String) {
    // SAFETY: set before any thread of this test hashes a password; every test of this
    // binary sets the same value.
    unsafe { std::env::set_var(auth::CHEAP_HASH_ENV, "1") };
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
         [schedule]\ncrawl = \"*/2 * * * * *\"\n",
    );
    write(&config.join("catalog/county.toml"), &county::catalog(&base));
    let app = App::new(&Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .unwrap();
    let store = Store::open(&url).await.unwrap();
    let now = chrono::Utc::now();
    for (name, role, unit) in [
        ("office1", Role::Office, None),
        ("clerk", Role::Unit, Some("县公安局")),
        ("other", Role::Unit, Some("审计局")),
    ] {
        store
            .add_user(
                name,
                role,
                unit,
                &auth::hash_password("secret-pass-1").unwrap(),
                now,
            )
            .await
            .unwrap();
    }

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));
    let c = Console { addr };
    wait_for("/healthz", 30, async || {
        match c.get("/healthz", None).await.status {
            200 => Ok(()),
            s => Err(s.to_string()),
        }
    })
    .await;
    // /metrics stays open, and a browser's favicon request does not land on the login
    // form (which would hand out another login token).
    assert_eq!(c.get("/metrics", None).await.status, 200);
    assert_eq!(c.get("/favicon.ico", None).await.status, 204);

    // No session: a page is sent to the login form, a download and a POST get 401.
    let r = c.get("/", None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2F"));
    assert_eq!(c.get("/no/such/page", None).await.status, 303);
    assert_eq!(c.get("/download/export.xlsx", None).await.status, 401);
    assert_eq!(c.post("/logout", None, &[("csrf", "x")]).await.status, 401);
    // A forged session token opens nothing.
    assert_eq!(c.get("/", Some(&auth::new_token())).await.status, 303);

    // The login form's CSRF: a POST without the form's cookie is refused.
    let r = c
        .post(
            "/login",
            None,
            &[
                ("name", "office1"),
                ("password", "secret-pass-1"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.set_cookie(auth::COOKIE).is_none());

    // Logging in: the cookie is HttpOnly and SameSite=Strict (not Secure: no https
    // public_url), and the store keeps only the token's digest.
    let r = c.try_login("office1", "secret-pass-1").await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/"));
    let office = r.set_cookie(auth::COOKIE).unwrap();
    let header = r.set_cookie_header(auth::COOKIE).unwrap().to_string();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Strict"), "{header}");
    assert!(!header.contains("Secure"), "{header}");
    assert!(
        store
            .session(&office, chrono::Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session(&auth::token_digest(&office), chrono::Utc::now())
            .await
            .unwrap()
            .is_some()
    );

    // Wait for the first scheduled cycle to finish, then read 总览 (the county does not
    // change, so later cycles confirm the same findings).
    wait_for("a finished cycle", 90, async || {
        let runs = store.runs_of("cycle").await.map_err(|e| e.to_string())?;
        if runs.iter().any(|r| r.3 == "ok") {
            Ok(())
        } else {
            Err(format!("cycle runs {runs:?}"))
        }
    })
    .await;
    let open = store
        .findings(&govwatch::store::FindingFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!open.is_empty(), "the county has problems");
    let page = c.get("/", Some(&office)).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<h1>总览"), "{html}");
    assert!(html.contains("office1（政务公开办）"), "{html}");
    assert!(
        html.contains(&format!(
            "未整改问题</div><div class=\"n\">{}</div>",
            open.len()
        )),
        "{} open findings: {html}",
        open.len()
    );
    for f in &open {
        assert!(
            html.contains(f.kind.name_zh()),
            "{} missing from {html}",
            f.kind.name_zh()
        );
        if let Some(unit) = &f.unit {
            assert!(html.contains(unit.as_str()), "{unit} missing from {html}");
        }
    }

    // A unit user sees their unit only.
    let names_unit = |f: &govwatch::observe::Episode, unit: &str| {
        f.unit
            .as_deref()
            .is_some_and(|u| u.split('、').any(|u| u == unit))
    };
    let clerk = c.login("clerk", "secret-pass-1").await;
    let html = c.get("/", Some(&clerk)).await.text();
    assert!(html.contains("（县公安局）"), "{html}");
    for f in open.iter().filter(|f| !names_unit(f, "县公安局")) {
        let unit = f.unit.as_deref().unwrap_or("（未指定单位）");
        assert!(
            !html.contains(&format!("<td>{unit}</td>")),
            "{unit} shown to 县公安局: {html}"
        );
    }
    let mine = open.iter().filter(|f| names_unit(f, "县公安局")).count();
    assert!(
        html.contains(&format!("未整改问题</div><div class=\"n\">{mine}</div>")),
        "县公安局 has {mine} open findings: {html}"
    );

    // Crawled text is hostile: a finding whose evidence holds a script and a
    // javascript: URL renders both as inert text.
    let planted = {
        use govwatch::observe::evidence::{Evidence, LinkBroken, LinkPage};
        let subject = format!("{base}/hostile.html");
        let evidence = Evidence::LinkBroken(LinkBroken {
            url: "javascript:alert(1)".into(),
            outcome: "http".into(),
            status: Some(404),
            detail: None,
            on_home_page: false,
            pages: vec![LinkPage {
                page: subject.clone(),
                anchor: "<script>alert('x')</script>".into(),
                place: "网站页面".into(),
            }],
        });
        let mut scope = govwatch::store::Scope::kinds([govwatch::observe::kind::Kind::LinkBroken]);
        scope.subjects = Some([subject.clone()].into_iter().collect());
        store
            .reconcile_findings(
                &scope,
                &[govwatch::store::NewFinding {
                    subject_key: subject.clone(),
                    unit: Some("县公安局".into()),
                    sentence: "planted".into(),
                    evidence,
                }],
                chrono::Utc::now(),
                chrono::Utc::now().date_naive(),
            )
            .await
            .unwrap();
        store
            .findings(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.subject_key == subject)
            .unwrap()
            .id
    };
    let page = c.get(&format!("/findings/{planted}"), Some(&office)).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(!page.text().contains("<script>alert"), "{}", page.text());
    assert!(
        !page.text().contains("href=\"javascript:"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("&lt;script&gt;"), "{}", page.text());

    // 问题列表 lists what each user may see; a unit user gets 404 for any other
    // unit's finding, whatever ID they try.
    let all = store.findings(&Default::default()).await.unwrap();
    let list = c.get("/findings", Some(&office)).await.text();
    assert!(list.contains(&format!("共{}条", all.len())), "{list}");
    let other = c.login("other", "secret-pass-1").await;
    let max_id = all.iter().map(|f| f.id).max().unwrap();
    for id in 1..=max_id + 3 {
        let status = c.get(&format!("/findings/{id}"), Some(&other)).await.status;
        let theirs = all.iter().any(|f| f.id == id && names_unit(f, "审计局"));
        assert_eq!(
            status,
            if theirs { 200 } else { 404 },
            "finding {id} as 审计局"
        );
    }
    let list = c.get("/findings", Some(&other)).await.text();
    let theirs = all.iter().filter(|f| names_unit(f, "审计局")).count();
    assert!(list.contains(&format!("共{theirs}条")), "{list}");
    assert!(!list.contains("县公安局"), "{list}");

    // 整改反馈 by the unit, recorded with who and when; not without the CSRF token; 误报
    // is the office's alone.
    let page = c
        .get(&format!("/findings/{planted}"), Some(&clerk))
        .await
        .text();
    let csrf = hidden(&page, "csrf");
    let path = format!("/findings/{planted}/feedback");
    let fb = [
        ("text", "已删除该链接"),
        ("link", "https://example.gov.cn/fixed"),
    ];
    assert_eq!(c.post(&path, Some(&clerk), &fb).await.status, 403);
    assert_eq!(
        c.post(&path, Some(&other), &fb).await.status,
        403,
        "CSRF first"
    );
    let mut with_csrf = fb.to_vec();
    with_csrf.push(("csrf", &csrf));
    assert_eq!(c.post(&path, Some(&clerk), &with_csrf).await.status, 303);
    let page = c
        .get(&format!("/findings/{planted}"), Some(&office))
        .await
        .text();
    assert!(
        page.contains("整改反馈") && page.contains("已删除该链接") && page.contains("clerk"),
        "{page}"
    );
    let dismiss = format!("/findings/{planted}/dismiss");
    let reason = [("reason", "测试"), ("csrf", csrf.as_str())];
    assert_eq!(c.post(&dismiss, Some(&clerk), &reason).await.status, 403);
    let office_csrf = hidden(&page, "csrf");
    let reason = [("reason", "经核实链接有效"), ("csrf", office_csrf.as_str())];
    assert_eq!(c.post(&dismiss, Some(&office), &reason).await.status, 303);
    let page = c
        .get(&format!("/findings/{planted}"), Some(&office))
        .await
        .text();
    assert!(
        page.contains("误报") && page.contains("经核实链接有效"),
        "{page}"
    );
    assert!(
        store
            .finding(planted)
            .await
            .unwrap()
            .unwrap()
            .dismissal
            .is_some()
    );

    // 整改超期: a finding opened a month ago and still open is past its 整改期限 (5
    // working days): the only one under 整改超期, first in 问题列表, with the same status
    // on its page. It names two units (a column's 保障单位), and each of them sees it.
    let old = {
        use govwatch::observe::evidence::{Evidence, LinkBroken, LinkPage};
        let subject = format!("{base}/old.html");
        let month_ago = chrono::Utc::now() - chrono::Duration::days(30);
        let evidence = Evidence::LinkBroken(LinkBroken {
            url: format!("{base}/gone.pdf"),
            outcome: "http".into(),
            status: Some(404),
            detail: None,
            on_home_page: false,
            pages: vec![LinkPage {
                page: subject.clone(),
                anchor: "附件".into(),
                place: "网站页面".into(),
            }],
        });
        let mut scope = govwatch::store::Scope::kinds([govwatch::observe::kind::Kind::LinkBroken]);
        scope.subjects = Some([subject.clone()].into_iter().collect());
        store
            .reconcile_findings(
                &scope,
                &[govwatch::store::NewFinding {
                    subject_key: subject,
                    unit: Some("县公安局、审计局".into()),
                    sentence: "old".into(),
                    evidence,
                }],
                month_ago,
                month_ago.date_naive(),
            )
            .await
            .unwrap()
            .opened[0]
    };
    let list = c
        .get("/findings?status=overdue", Some(&office))
        .await
        .text();
    assert!(list.contains("共1条"), "{list}");
    assert!(
        list.contains(&format!("href=\"/findings/{old}\"")) && list.contains("status-overdue"),
        "{list}"
    );
    let list = c.get("/findings", Some(&office)).await.text();
    let row = "<td class=\"num\"><a href=\"/findings/";
    let first = list.find(row).expect("a row");
    assert!(
        list[first + row.len()..].starts_with(&format!("{old}\"")),
        "the overdue finding leads: {list}"
    );
    let page = c
        .get(&format!("/findings/{old}"), Some(&office))
        .await
        .text();
    assert!(page.contains("status-overdue\">整改超期"), "{page}");
    for user in [&clerk, &other] {
        assert_eq!(
            c.get(&format!("/findings/{old}"), Some(user)).await.status,
            200
        );
        let list = c.get("/findings?status=overdue", Some(user)).await.text();
        assert!(list.contains("共1条"), "{list}");
    }
    let list = c
        .get("/findings?status=dismissed", Some(&office))
        .await
        .text();
    assert!(
        list.contains("共1条") && list.contains(&format!("href=\"/findings/{planted}\"")),
        "{list}"
    );

    // A POST without the session's CSRF token is refused; with it, logging out works.
    assert_eq!(
        c.post("/logout", Some(&office), &[("csrf", "wrong")])
            .await
            .status,
        403
    );
    assert_eq!(c.post("/logout", Some(&office), &[]).await.status, 403);
    let html = c.get("/", Some(&office)).await.text();
    let csrf = hidden(&html, "csrf");
    assert_eq!(
        c.post("/logout", Some(&office), &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert_eq!(c.get("/", Some(&office)).await.status, 303);

    // The rate limit: after 5 failures in 15 minutes the right password is refused too.
    for _ in 0..5 {
        let r = c.try_login("other", "wrong-password").await;
        assert_eq!(r.status, 401);
        assert!(r.text().contains("用户名或密码错误"), "{}", r.text());
    }
    let r = c.try_login("other", "secret-pass-1").await;
    assert_eq!(r.status, 429);
    assert!(r.text().contains("登录失败次数过多"), "{}", r.text());
    // Another account from the same address still logs in (20 per address).
    c.login("clerk", "secret-pass-1").await;

    // A disabled user's sessions end, and they cannot log in.
    store
        .set_disabled("clerk", Some(chrono::Utc::now()))
        .await
        .unwrap();
    assert_eq!(c.get("/", Some(&clerk)).await.status, 303);
    assert_eq!(c.try_login("clerk", "secret-pass-1").await.status, 401);

    let _ = stop.send(());
    daemon.await.unwrap().unwrap();
    store.close().await;
}

/// The path of a unit's page, as a browser sends it.
fn unit_url(name: &str) -> String {
    format!(
        "/units/{}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    )
}

/// 单位 pages and 总览's progress block on the fixture county, with an account of
/// 县公安局 whose feed last posted 20 days ago and a column of 审计局 whose name (as
/// crawled names can be) holds a script: a column's last update and an account's days
/// silent are shown; a unit user gets 404 for any other unit's page, whatever name they
/// try; the script renders inert; 总览 draws the 12-week trend as SVG.
async fn unit_pages_on_the_county(url: String) {
    // SAFETY: as in console_on_the_county: every test of this binary sets the same value.
    unsafe { std::env::set_var(auth::CHEAP_HASH_ENV, "1") };
    let posted = chrono::Utc::now() - chrono::Duration::days(20);
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>平安示例</title>\
         <item><title>提醒</title><link>https://rss.example.org/pa/1</link><pubDate>{}</pubDate></item>\
         </channel></rss>",
        posted.to_rfc2822()
    );
    let router = county::router().route(
        "/feeds/pingan.xml",
        axum::routing::get(move || {
            let feed = feed.clone();
            async move { ([("content-type", "application/rss+xml")], feed) }
        }),
    );
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
         [schedule]\ncrawl = \"*/2 * * * * *\"\n",
    );
    let hostile = "<script>alert(1)</script>公告";
    let catalog = format!(
        "{}[[column]]\nsite = \"示例县人民政府\"\nname = \"{hostile}\"\nurl = \"{base}/gone/\"\n\
         units = [\"审计局\"]\nclass = \"notice\"\n\n\
         [[account]]\nname = \"平安示例\"\nunit = \"县公安局\"\nplatform = \"weibo\"\n\
         source = {{ kind = \"feed\", url = \"{base}/feeds/pingan.xml\" }}\n",
        county::catalog(&base)
    );
    write(&config.join("catalog/county.toml"), &catalog);
    let app = App::new(&Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .unwrap();
    let store = Store::open(&url).await.unwrap();
    let hash = auth::hash_password("secret-pass-1").unwrap();
    for (name, role, unit) in [
        ("office1", Role::Office, None),
        ("clerk", Role::Unit, Some("县公安局")),
    ] {
        store
            .add_user(name, role, unit, &hash, chrono::Utc::now())
            .await
            .unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let c = Console {
        addr: listener.local_addr().unwrap(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));
    wait_for("a finished cycle", 90, async || {
        let runs = store.runs_of("cycle").await.map_err(|e| e.to_string())?;
        if runs.iter().any(|r| r.3 == "ok") {
            Ok(())
        } else {
            Err(format!("cycle runs {runs:?}"))
        }
    })
    .await;
    let office = c.login("office1", "secret-pass-1").await;
    let clerk = c.login("clerk", "secret-pass-1").await;

    // The list: every unit, linked; a unit user is sent to their own.
    let list = c.get("/units", Some(&office)).await;
    assert_eq!(list.status, 200);
    for unit in ["县政府办", "县公安局", "审计局", "旧改办"] {
        assert!(
            // minijinja writes the path's slashes as &#x2f;.
            list.text().contains(&format!(
                "&#x2f;units&#x2f;{}\">{unit}</a>",
                unit_url(unit).trim_start_matches("/units/")
            )),
            "{unit}: {}",
            list.text()
        );
    }
    let r = c.get("/units", Some(&clerk)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some(unit_url("县公安局").as_str()));

    // 县公安局: its column's last update (the newest item the county dates 9月10日) and
    // the account's days silent, with its last post.
    let page = c.get(&unit_url("县公安局"), Some(&clerk)).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let gzdt = county::COLUMNS
        .iter()
        .find(|c| c.unit == "县公安局")
        .unwrap();
    assert!(html.contains(gzdt.name), "{html}");
    assert!(html.contains("<td>2020-09-10</td>"), "{html}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let last_post = posted
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    assert!(html.contains("平安示例"), "{html}");
    assert!(html.contains(&format!("<td>{last_post}</td>")), "{html}");
    assert!(
        html.contains(&format!(
            "<td class=\"num\">{}</td>",
            (today - last_post).num_days()
        )),
        "20 days silent: {html}"
    );
    assert!(
        html.contains("监测到超过两周未更新内容"),
        "the open account_silent finding: {html}"
    );
    assert!(html.contains("href=\"/findings/"), "{html}");

    // Another unit's page is 404 for a unit user, as an unknown unit is, whatever name
    // they try; the office sees it.
    for guess in [
        "审计局",
        "旧改办",
        "县政府办",
        "县公安局 ",
        "县公安局、审计局",
        "不存在的单位",
        "%E5%AE%A1%E8%AE%A1%E5%B1%80",
    ] {
        let r = c.get(&unit_url(guess), Some(&clerk)).await;
        assert_eq!(r.status, 404, "{guess} as 县公安局: {}", r.text());
        assert!(!r.text().contains("审计动态"), "{}", r.text());
    }
    assert_eq!(
        c.get("/units/%E5%AE%A1%E8%AE%A1%E5%B1%80", Some(&clerk))
            .await
            .status,
        404
    );
    assert_eq!(
        c.get(&unit_url("不存在的单位"), Some(&office)).await.status,
        404
    );
    assert_eq!(c.get("/units/x", None).await.status, 303);

    // Crawled text is hostile: the column's name renders as text.
    let audit = c.get(&unit_url("审计局"), Some(&office)).await;
    assert_eq!(audit.status, 200);
    assert!(!audit.text().contains("<script>alert"), "{}", audit.text());
    assert!(
        audit
            .text()
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;公告"),
        "{}",
        audit.text()
    );

    // 总览: this quarter's progress and the trend as SVG with a title; a unit user's
    // shows their unit's trend only.
    let html = c.get("/", Some(&office)).await.text();
    assert!(html.contains("达标栏目/应考核栏目"), "{html}");
    assert!(html.contains("<svg class=\"trend\" role=\"img\""), "{html}");
    assert!(
        html.contains("<title id=\"trend-0-t\">全部单位：近12周每周末未整改问题数</title>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    let html = c.get("/", Some(&clerk)).await.text();
    assert!(
        html.contains("<title id=\"trend-0-t\">县公安局：近12周每周末未整改问题数</title>"),
        "{html}"
    );
    assert!(!html.contains("全部单位"), "{html}");
    assert_eq!(html.matches("<svg").count(), 1, "{html}");

    // 总览's pass rate of the quarter counts as the accounts export does: the silent
    // account is watched and fails.
    let period = govwatch::detect::period::Period::quarter_of(today);
    let export = c
        .get(&format!("/download/{period}/accounts.json"), Some(&office))
        .await
        .text();
    let export: serde_json::Value = serde_json::from_str(&export).unwrap();
    let (passed, watched) = (&export["passed"], &export["watched"]);
    assert!(watched.as_u64().unwrap() >= 1, "{export}");
    let html = c.get("/", Some(&office)).await.text();
    assert!(
        html.contains(&format!("<div class=\"n\">{passed}/{watched}</div>")),
        "{export}\n{html}"
    );
    // And its columns on quota are the columns export's, though it reads only the
    // quarter's dates and crawls (the county's items are of 2020, before it).
    let rows = c
        .get(&format!("/download/{period}/columns.json"), Some(&office))
        .await
        .text();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&rows).unwrap();
    let status = |r: &serde_json::Value| r["status"].as_str().unwrap_or("").to_string();
    let done = rows.iter().filter(|r| status(r) == "完成").count();
    let assessed = rows
        .iter()
        .filter(|r| ["完成", "未完成", "零发布"].contains(&status(r).as_str()))
        .count();
    assert!(
        html.contains(&format!("<div class=\"n\">{done}/{assessed}</div>")),
        "{rows:?}\n{html}"
    );
    let uncounted = rows.len() - assessed;
    assert!(
        uncounted == 0 || html.contains(&format!("另有{uncounted}个栏目未能统计")),
        "{rows:?}\n{html}"
    );

    let _ = stop.send(());
    daemon.await.unwrap().unwrap();
    store.close().await;
}

on_both_databases_with_url!(console_on_the_county, unit_pages_on_the_county);
