//! The simulated county the demo watches: one portal whose columns are written in the
//! templates government CMSs use (TRS with a JavaScript pager, GBK behind a header that
//! says utf-8, a table, a div list with 年月日 dates), a column that answers 404, an empty
//! column, a home page whose 要闻 are old and whose links are partly broken, and RSS feeds
//! for a few new-media accounts (one active, one silent, one zombie), and a 县长信箱
//! whose letters are answered on time, late, or not at all (one for 100 days).
//!
//! Every date is relative to the day the demo runs, so the findings are the same on any
//! day: what each column is built to show is written next to it.

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Days, NaiveDate};

use super::pages::{self, ColumnEntry, Item, gbk, html, not_found};
use crate::detect::period::Period;

/// How a column's list page is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    /// TRS: `./202006/t20200605_1.html`, dates in spans, `createPageHTML` pager.
    Trs,
    /// TRS again, but GBK bytes behind `Content-Type: text/html; charset=utf-8`.
    TrsGbk,
    /// A table with a date cell.
    Table,
    /// Divs with the date first, as 2020年7月15日.
    Div,
    /// Answers 404.
    Gone,
    /// A list with nothing in it (空白栏目).
    Empty,
}

struct Column {
    id: &'static str,
    path: &'static str,
    name: &'static str,
    class: &'static str,
    quota: Option<u32>,
    unit: &'static str,
    template: Template,
}

/// The columns; the comment says what the demo shows with each.
const COLUMNS: &[Column] = &[
    // Fresh: an item every 6 days, 15 a quarter, over the quota of 12. No finding.
    Column {
        id: "demo-gzdt",
        path: "/zwgk/gzdt/index.html",
        name: "工作动态",
        class: "news",
        quota: Some(12),
        unit: "县公安局",
        template: Template::Trs,
    },
    // GBK, nothing in the last quarter: column_zero_publish.
    Column {
        id: "demo-tzgg",
        path: "/col/col301/index.html",
        name: "通知公告",
        class: "notice",
        quota: Some(3),
        unit: "审计局",
        template: Template::TrsGbk,
    },
    // News, last item before the last quarter: column_stale, column_zero_publish and,
    // as the unit's only news column, unit_zero_publish for 审计局.
    Column {
        id: "demo-sjdt",
        path: "/sjdt/",
        name: "审计动态",
        class: "news",
        quota: None,
        unit: "审计局",
        template: Template::Table,
    },
    // Other class, one item 20 days ago: no rule applies to its age.
    Column {
        id: "demo-zdcq",
        path: "/zdcq/list.html",
        name: "征地拆迁",
        class: "other",
        quota: None,
        unit: "旧改办",
        template: Template::Div,
    },
    // 404 twice in a row: column_unreachable.
    Column {
        id: "demo-jwgk",
        path: "/gone/index.html",
        name: "警务公开",
        class: "news",
        quota: None,
        unit: "县公安局",
        template: Template::Gone,
    },
    // Lists nothing: column_empty (and column_zero_publish).
    Column {
        id: "demo-rsxx",
        path: "/rsxx/index.html",
        name: "人事信息",
        class: "personnel",
        quota: None,
        unit: "旧改办",
        template: Template::Empty,
    },
    // A town's news in honest GB2312: fresh, a quota of 6 met.
    Column {
        id: "demo-xzdt",
        path: "/xzdt/cgz/index.html",
        name: "乡镇动态",
        class: "news",
        quota: Some(6),
        unit: "城关镇",
        template: Template::Div,
    },
];

/// New-media accounts: (feed path, name, unit, platform, days since each post).
struct Account {
    feed: &'static str,
    name: &'static str,
    unit: &'static str,
    platform: &'static str,
    ages: &'static [u64],
}

const ACCOUNTS: &[Account] = &[
    Account {
        feed: "pingan",
        name: "平安示例",
        unit: "县公安局",
        platform: "weibo",
        ages: &[0, 2, 4, 6, 9, 12],
    },
    // Nothing for three weeks: account_silent.
    Account {
        feed: "shenji",
        name: "示例审计",
        unit: "审计局",
        platform: "wechat",
        ages: &[21, 30, 45],
    },
    // Nothing for most of a year: account_zombie.
    Account {
        feed: "jiugai",
        name: "示例旧改",
        unit: "旧改办",
        platform: "douyin",
        ages: &[300, 320],
    },
];

/// A letter of the 县长信箱: days since it was received, since it was answered (none:
/// open), its status as the list shows it, its 承办单位 and title.
struct Letter {
    received: u64,
    replied: Option<u64>,
    status: &'static str,
    unit: &'static str,
    title: &'static str,
}

/// The 县长信箱's letters; the comment says what each shows (5 working days to answer).
const LETTERS: &[Letter] = &[
    // Received three days ago, in hand: within its time.
    Letter {
        received: 3,
        replied: None,
        status: "办理中",
        unit: "县政府办",
        title: "关于城区停车难问题的建议",
    },
    // Answered in two days: 按期办结.
    Letter {
        received: 20,
        replied: Some(18),
        status: "已回复",
        unit: "县政府办",
        title: "咨询居住证办理流程",
    },
    // Answered after two weeks: 超时办结, counted as 逾期 in its period, no open finding.
    Letter {
        received: 25,
        replied: Some(10),
        status: "已回复",
        unit: "审计局",
        title: "关于村级财务公开的咨询",
    },
    // Open a month: message_overdue.
    Letter {
        received: 30,
        replied: None,
        status: "办理中",
        unit: "审计局",
        title: "关于工程款拖欠问题的反映",
    },
    // Open two weeks: message_overdue, a town's.
    Letter {
        received: 15,
        replied: None,
        status: "待回复",
        unit: "城关镇",
        title: "城关镇老街路灯损坏的反映",
    },
    // Unanswered for 100 days: interaction_unanswered (互动回应差) and message_overdue.
    Letter {
        received: 100,
        replied: None,
        status: "未回复",
        unit: "县公安局",
        title: "关于小区周边噪音扰民的投诉",
    },
];

/// Where the 县长信箱's list is.
const MAILBOX: &str = "/hdjl/xzxx/index.html";

const TITLES: &[&str] = &[
    "县公安局召开全县公安工作会议",
    "关于开展安全生产大检查的通知",
    "县审计局完成年度预算执行审计",
    "我县召开征地拆迁工作推进会",
    "县政府常务会议研究部署重点工作",
    "关于做好防汛工作的通知",
    "城关镇开展人居环境整治行动",
];

/// The county as of `today`.
#[derive(Debug, Clone, Copy)]
pub struct County {
    pub today: NaiveDate,
}

impl County {
    pub fn new(today: NaiveDate) -> Self {
        Self { today }
    }

    fn ago(&self, days: u64) -> NaiveDate {
        self.today - Days::new(days)
    }

    /// The publish dates of a column, newest first.
    fn dates(&self, c: &Column) -> Vec<NaiveDate> {
        let quarter_start = Period::last_completed_quarter(self.today).start();
        let every = |step: u64, from: u64, back: u64| -> Vec<NaiveDate> {
            (0..)
                .map(|i| from + i * step)
                .take_while(|d| *d <= back)
                .map(|d| self.ago(d))
                .collect()
        };
        match c.id {
            "demo-gzdt" => every(6, 1, 200),
            "demo-xzdt" => every(10, 3, 200),
            // Before the last quarter started.
            "demo-tzgg" => [5, 40, 70]
                .iter()
                .map(|d| quarter_start - Days::new(*d))
                .collect(),
            "demo-sjdt" => [3, 25, 50]
                .iter()
                .map(|d| quarter_start - Days::new(*d))
                .collect(),
            "demo-zdcq" => vec![self.ago(20)],
            _ => Vec::new(),
        }
    }

    fn items(&self, c: &Column) -> Vec<Item> {
        self.dates(c)
            .into_iter()
            .enumerate()
            .map(|(i, date)| Item {
                n: i,
                date,
                title: format!("{}({}{i})", TITLES[i % TITLES.len()], c.name),
            })
            .collect()
    }

    fn column_page(&self, c: &Column, page: usize) -> Response {
        let items = self.items(c);
        match c.template {
            Template::Trs | Template::TrsGbk => {
                let dir = c.path.trim_end_matches("index.html");
                let Some(list) = pages::trs_list(dir, &items, 10, page) else {
                    return not_found();
                };
                let body = shell(c.name, &list);
                if c.template == Template::TrsGbk {
                    gbk(body, "utf-8")
                } else {
                    html(body)
                }
            }
            Template::Table => html(shell(c.name, &pages::table_list(c.path, &items))),
            Template::Div => {
                let dir = c.path.rsplit_once('/').map_or("", |(d, _)| d);
                let body = shell(c.name, &pages::div_list(&format!("{dir}/"), &items));
                if c.id == "demo-xzdt" {
                    gbk(body, "gb2312")
                } else {
                    html(body)
                }
            }
            Template::Gone => not_found(),
            Template::Empty => html(shell(c.name, "<ul class=\"list\"></ul><p>暂无信息</p>")),
        }
    }

    /// The 县长信箱: a Hanweb-style table of letters (信件列表) with the received and
    /// answered dates, newest first.
    fn mailbox(&self) -> Response {
        let mut letters: Vec<(usize, &Letter)> = LETTERS.iter().enumerate().collect();
        letters.sort_by_key(|(_, l)| l.received);
        let mut rows = String::from(
            "<h2>县长信箱 信件列表</h2><table class=\"xjlb\"><tr><th>信件编号</th><th>信件标题</th><th>来信时间</th><th>办理状态</th><th>回复时间</th><th>承办单位</th></tr>",
        );
        for (i, l) in letters {
            let received = self.ago(l.received);
            rows.push_str(&format!(
                "<tr><td>{}{i:02}</td><td><a href=\"/hdjl/xzxx/{i}.html\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                received.format("%Y%m%d"),
                l.title,
                received.format("%Y-%m-%d"),
                l.status,
                l.replied
                    .map(|r| self.ago(r).format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                l.unit
            ));
        }
        rows.push_str("</table>");
        html(shell("县长信箱", &rows))
    }

    /// The home page: 要闻 last dated 18 days ago (site_home_stale), links to every
    /// column, and two links that are broken.
    fn home(&self) -> Response {
        let mut list = String::from("<div class=\"news\"><h3>要闻动态</h3><ul>");
        for (i, days) in [18u64, 26, 33, 47].iter().enumerate() {
            let d = self.ago(*days);
            list.push_str(&format!(
                "<li><a href=\"/yw/{}/t{}_{i}.html\">{}</a><span>{}</span></li>",
                d.format("%Y%m"),
                d.format("%Y%m%d"),
                TITLES[(i + 4) % TITLES.len()],
                d.format("%Y-%m-%d")
            ));
        }
        list.push_str("</ul></div><div class=\"columns\"><ul>");
        for c in COLUMNS {
            list.push_str(&format!("<li><a href=\"{}\">{}</a></li>", c.path, c.name));
        }
        list.push_str(
            "</ul></div><div class=\"links\"><a href=\"/zwfw/old-service.html\">办事指南(旧)</a>\
             <a href=\"/files/2019plan.doc\">2019年工作计划.doc</a></div>",
        );
        html(shell("首页", &list))
    }

    fn feed(&self, a: &Account) -> Response {
        let mut items = String::new();
        for (i, days) in a.ages.iter().enumerate() {
            let t = crate::clock::start_of_day(self.ago(*days), chrono_tz::Asia::Shanghai)
                + chrono::Duration::hours(10);
            items.push_str(&format!(
                "<item><title>{}</title><link>http://feeds.example/{}/{i}</link><guid>{}-{i}</guid><pubDate>{}</pubDate></item>",
                TITLES[i % TITLES.len()],
                a.feed,
                a.feed,
                t.to_rfc2822()
            ));
        }
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{}</title><link>http://feeds.example/{}</link><description>{}</description>{items}</channel></rss>",
            a.name, a.feed, a.name
        );
        (
            [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
            body,
        )
            .into_response()
    }

    /// Every page of the county. Unknown paths (and the broken links) answer 404.
    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(move || async move { self.home() }))
            .route(
                "/{*path}",
                get(move |Path(path): Path<String>| async move { self.page(&path) }),
            )
    }

    fn page(&self, path: &str) -> Response {
        let path = format!("/{path}");
        if let Some(name) = path
            .strip_prefix("/feeds/")
            .and_then(|p| p.strip_suffix(".xml"))
        {
            return match ACCOUNTS.iter().find(|a| a.feed == name) {
                Some(a) => self.feed(a),
                None => not_found(),
            };
        }
        if path == MAILBOX {
            return self.mailbox();
        }
        for c in COLUMNS {
            if path == c.path {
                return self.column_page(c, 0);
            }
            if let Some(rest) = c.path.strip_suffix("index.html")
                && let Some(n) = path
                    .strip_prefix(rest)
                    .and_then(|p| p.strip_prefix("index_"))
                    .and_then(|p| p.strip_suffix(".html"))
                    .and_then(|n| n.parse::<usize>().ok())
            {
                return self.column_page(c, n);
            }
        }
        if is_item_path(&path) && !path.starts_with("/zwfw/") {
            // Item pages: the article the lists link to.
            return html(shell(
                "正文",
                &format!("<div class=\"article\"><h1>{path}</h1><p>正文内容</p></div>"),
            ));
        }
        if ["/zwgk/", "/zwfw/", "/hdjl/"].contains(&path.as_str()) {
            return html(shell("栏目导航", "<p>栏目导航</p>"));
        }
        not_found()
    }
}

/// Whether a path is one of the items the lists link to (`…/t20260422_2.html`,
/// `…/12.html`); any other path answers 404, as a well-behaved site does.
fn is_item_path(path: &str) -> bool {
    let Some(name) = path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".html"))
    else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name.strip_prefix('t').and_then(|n| n.split_once('_')) {
        Some((date, i)) => date.len() == 8 && digits(date) && digits(i),
        None => digits(name),
    }
}

/// The catalog of the county, pointing at `base` (e.g. `http://127.0.0.1:PORT`).
pub fn catalog(base: &str) -> String {
    let mut text = String::from(
        "# The demo county's catalog, written by `govwatch demo` (it rewrites this file).\n\n",
    );
    for unit in ["县政府办", "县公安局", "审计局", "旧改办", "城关镇"] {
        let level = if unit.ends_with('镇') {
            "乡镇"
        } else {
            "县级部门"
        };
        text.push_str(&pages::unit_entry(unit, level));
    }
    text.push_str(&pages::site_entry(
        "示例县人民政府",
        &format!("{base}/"),
        "县政府办",
    ));
    for c in COLUMNS {
        text.push_str(
            &ColumnEntry {
                id: Some(c.id),
                site: "示例县人民政府",
                name: c.name,
                url: &format!("{base}{}", c.path),
                unit: c.unit,
                class: c.class,
                quota: c.quota,
            }
            .to_toml(),
        );
    }
    text.push_str(&format!(
        "[[mailbox]]\nid = \"demo-xzxx\"\nsite = \"示例县人民政府\"\nname = \"县长信箱\"\nurl = \"{base}{MAILBOX}\"\nunits = [\"县政府办\"]\n\n"
    ));
    for a in ACCOUNTS {
        text.push_str(&format!(
            "[[account]]\nid = \"demo-{}\"\nname = \"{}\"\nunit = \"{}\"\nplatform = \"{}\"\nsource = {{ kind = \"feed\", url = \"{base}/feeds/{}.xml\" }}\n\n",
            a.feed, a.name, a.unit, a.platform, a.feed
        ));
    }
    text
}

fn shell(column: &str, list: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="ColumnName" content="{column}" /><title>{column}_示例县人民政府</title></head><body>
<div id="menu"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a><a href="/hdjl/">互动交流</a></div>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; {column}</div>
<div class="right">{list}</div>
<div id="footer">主办：示例县人民政府办公室 网站标识码：6100000001</div>
</body></html>"#
    )
}
