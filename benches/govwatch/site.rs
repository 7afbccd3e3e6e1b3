//! Generated sites: static files under `root/<host ip>/`, served by [`crate::server`],
//! and the govwatch configuration (settings and catalog) that points at them. Every
//! host is a loopback address (127.0.1.x), so each is its own `host:port` for
//! politeness, and no name resolution is involved for any tool.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

/// The loopback address of generated host `i` (127.0.1.2, 127.0.1.3 …).
pub fn host_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 2 + (i % 250) as u8)
}

/// A small deterministic generator (splitmix64): the same site for the same sizes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, share: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < share
    }
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the site directory");
    }
    std::fs::write(path, text).expect("write a site file");
}

fn base(host: usize, port: u16) -> String {
    format!("http://{}:{port}", host_ip(host))
}

/// The page shell every generated page uses (a CMS-like page, a few KB).
fn shell(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title}_基准县人民政府</title></head><body>
<div id="header"><h1>基准县人民政府</h1></div>
<div class="crumb">您当前的位置：{title}</div>
<div class="main">{body}</div>
<div id="footer"><p>主办：基准县人民政府办公室 网站标识码：6100000099 备案号：陕ICP备00000000号</p>
<p>本网站为 govwatch 基准测试生成的页面，内容仅用于测量链接检查与抓取的速度。</p></div>
</body></html>"#
    )
}

/// A site of `pages` pages over `hosts` hosts, each page with `links` absolute links to
/// other pages (any host) or, with probability `broken_share`, to a missing page.
#[derive(Debug, Clone, Copy)]
pub struct LinkSiteSpec {
    pub pages: usize,
    pub links: usize,
    pub broken_share: f64,
    pub hosts: usize,
}

pub struct LinkSite {
    pub spec: LinkSiteSpec,
    /// Every home page and page: what govwatch's catalog names and lychee is given.
    pub page_urls: Vec<String>,
    /// Unique link targets (pages and missing pages), and how many are missing.
    pub unique_links: usize,
    pub broken_links: usize,
    pub link_occurrences: usize,
}

pub fn link_site(root: &Path, port: u16, spec: LinkSiteSpec) -> LinkSite {
    let mut rng = Rng::new(11);
    let mut page_urls = Vec::new();
    let mut unique = BTreeSet::new();
    let mut broken = BTreeSet::new();
    let mut occurrences = 0;
    for h in 0..spec.hosts {
        let mut body = String::from("<ul>");
        for n in (h..spec.pages).step_by(spec.hosts).take(10) {
            let url = format!("{}/p/{n}.html", base(h, port));
            unique.insert(url.clone());
            occurrences += 1;
            let _ = write!(body, "<li><a href=\"{url}\">页面 {n}</a></li>");
        }
        body.push_str("</ul>");
        write(
            &root.join(host_ip(h).to_string()).join("index.html"),
            &shell("首页", &body),
        );
        page_urls.push(format!("{}/", base(h, port)));
    }
    for n in 0..spec.pages {
        let h = n % spec.hosts;
        let mut body = format!("<h2>页面 {n}</h2><p>正文。</p><ul>");
        for _ in 0..spec.links {
            let url = if rng.chance(spec.broken_share) {
                let k = rng.below(spec.pages / 10 + 1);
                let url = format!("{}/gone/{k}.html", base(k % spec.hosts, port));
                broken.insert(url.clone());
                url
            } else {
                let t = rng.below(spec.pages);
                format!("{}/p/{t}.html", base(t % spec.hosts, port))
            };
            unique.insert(url.clone());
            occurrences += 1;
            let _ = write!(body, "<li><a href=\"{url}\">链接</a></li>");
        }
        body.push_str("</ul>");
        write(
            &root
                .join(host_ip(h).to_string())
                .join(format!("p/{n}.html")),
            &shell(&format!("页面 {n}"), &body),
        );
        page_urls.push(format!("{}/p/{n}.html", base(h, port)));
    }
    LinkSite {
        spec,
        page_urls,
        unique_links: unique.len(),
        broken_links: broken.len(),
        link_occurrences: occurrences,
    }
}

/// The govwatch catalog for a link site: one site per host, every page a column (so
/// the link stage reads it), private addresses allowed (everything is on loopback).
pub fn link_catalog(site: &LinkSite, port: u16) -> String {
    let mut text = String::from("[[unit]]\nname = \"基准单位\"\n\n");
    for h in 0..site.spec.hosts {
        let _ = write!(
            text,
            "[[site]]\nname = \"站点{h}\"\nurl = \"{}/\"\nunit = \"基准单位\"\nallow_private = [\"127.0.0.0/8\"]\n\n",
            base(h, port)
        );
    }
    for n in 0..site.spec.pages {
        let h = n % site.spec.hosts;
        let _ = write!(
            text,
            "[[column]]\nsite = \"站点{h}\"\nname = \"页面{n}\"\nurl = \"{}/p/{n}.html\"\nclass = \"other\"\n\n",
            base(h, port)
        );
    }
    text
}

/// Settings for a benchmark: politeness as given, paging back to 2000 (every list
/// page is read), the rest default.
pub fn settings(concurrency: usize, interval_ms: u64) -> String {
    format!(
        "[fetch]\nper_host_concurrency = {concurrency}\nper_host_interval_ms = {interval_ms}\n\n[crawl]\nback_to = \"2000-01-01\"\n"
    )
}

/// Writes `config/govwatch.toml` and `config/catalog/bench.toml` under `dir`.
pub fn write_config(dir: &Path, settings: &str, catalog: &str) -> PathBuf {
    let config = dir.join("config");
    write(&config.join("govwatch.toml"), settings);
    write(&config.join("catalog/bench.toml"), catalog);
    config
}

/// A county: `sites` sites (one host each), `columns` columns of `pages` list pages with
/// `per_page` dated items (TRS-style pager), item pages for the first list page, and
/// `accounts` RSS feeds spread over the hosts.
#[derive(Debug, Clone, Copy)]
pub struct CountySpec {
    pub sites: usize,
    pub columns: usize,
    pub pages: usize,
    pub per_page: usize,
    pub accounts: usize,
}

pub struct County {
    pub catalog: String,
    pub files: usize,
}

const CLASSES: [(&str, &str); 5] = [
    ("工作动态", "news"),
    ("通知公告", "notice"),
    ("政策文件", "policy"),
    ("人事信息", "personnel"),
    ("规划计划", "plan"),
];
const PLATFORMS: [&str; 4] = ["wechat", "weibo", "douyin", "toutiao"];

pub fn county(root: &Path, port: u16, spec: CountySpec, today: NaiveDate) -> County {
    let mut rng = Rng::new(7);
    let mut files = 0;
    let mut catalog = String::new();
    let units = spec.sites * 2;
    for u in 0..units {
        let _ = write!(catalog, "[[unit]]\nname = \"单位{u}\"\n\n");
    }
    let mut home_links: Vec<String> = vec![String::new(); spec.sites];
    for s in 0..spec.sites {
        let _ = write!(
            catalog,
            "[[site]]\nname = \"网站{s}\"\nurl = \"{}/\"\nunit = \"单位{s}\"\nallow_private = [\"127.0.0.0/8\"]\n\n",
            base(s, port)
        );
    }
    for c in 0..spec.columns {
        let s = c % spec.sites;
        let dir = format!("col/{c}");
        let host_dir = root.join(host_ip(s).to_string());
        let (name, class) = CLASSES[c % CLASSES.len()];
        // Most columns publish every few days; one in ten has not published for months.
        let step = 1 + rng.below(6) as u64;
        let offset = if c % 10 == 0 {
            200
        } else {
            rng.below(5) as u64
        };
        let total = spec.pages * spec.per_page;
        let dates: Vec<NaiveDate> = (0..total as u64)
            .map(|i| today - Days::new(offset + i * step))
            .collect();
        for page in 0..spec.pages {
            let mut list = String::from("<ul class=\"list\">");
            let first = page * spec.per_page;
            for (i, d) in dates.iter().enumerate().skip(first).take(spec.per_page) {
                let _ = write!(
                    list,
                    "<li><a href=\"/{dir}/{}/t{}_{i}.html\" title=\"{name}信息{i}\">{name}信息{i}</a><span class=\"date\">{}</span></li>",
                    d.format("%Y%m"),
                    d.format("%Y%m%d"),
                    d.format("%Y-%m-%d"),
                );
            }
            let _ = write!(
                list,
                "</ul><div class=\"page\"><script>createPageHTML({}, {page}, \"index\", \"html\");</script></div>",
                spec.pages
            );
            let file = if page == 0 {
                "index.html".to_string()
            } else {
                format!("index_{page}.html")
            };
            write(&host_dir.join(&dir).join(file), &shell(name, &list));
            files += 1;
        }
        for (i, d) in dates.iter().enumerate().take(spec.per_page) {
            let body = format!(
                "<h2>{name}信息{i}</h2><div class=\"info\">发布时间：{}</div><p>正文内容。</p><p>附件：<a href=\"/{dir}/fj{i}.pdf\">附件{i}</a></p><a href=\"/\">返回首页</a>",
                d.format("%Y-%m-%d")
            );
            write(
                &host_dir.join(&dir).join(format!(
                    "{}/t{}_{i}.html",
                    d.format("%Y%m"),
                    d.format("%Y%m%d")
                )),
                &shell(name, &body),
            );
            // Most attachments are there; one in twenty is missing (a broken link).
            if (c + i) % 20 != 0 {
                write(
                    &host_dir.join(&dir).join(format!("fj{i}.pdf")),
                    "%PDF-1.4\n",
                );
                files += 1;
            }
            files += 1;
        }
        let _ = write!(
            home_links[s],
            "<li><a href=\"/{dir}/index.html\">{name}</a><span>{}</span></li>",
            dates[0].format("%Y-%m-%d")
        );
        let units = format!("单位{}", spec.sites + c % spec.sites);
        let _ = write!(
            catalog,
            "[[column]]\nsite = \"网站{s}\"\nname = \"{name}{c}\"\nurl = \"{}/{dir}/index.html\"\nunits = [\"{units}\"]\nclass = \"{class}\"\n{}\n",
            base(s, port),
            if class == "news" { "quota = 3\n" } else { "" }
        );
    }
    for (s, links) in home_links.iter().enumerate() {
        write(
            &root.join(host_ip(s).to_string()).join("index.html"),
            &shell("首页", &format!("<ul>{links}</ul>")),
        );
        files += 1;
    }
    for a in 0..spec.accounts {
        let s = a % spec.sites;
        // One account in eight has been silent for a month.
        let silent = if a % 8 == 0 { 30 } else { 0 };
        let mut items = String::new();
        for i in 0..20u64 {
            let d = today - Days::new(silent + i * 2);
            let _ = write!(
                items,
                "<item><title>发布{i}</title><link>{}/feeds/{a}/{i}.html</link><guid>{a}-{i}</guid><pubDate>{}</pubDate></item>",
                base(s, port),
                d.and_hms_opt(2, 0, 0)
                    .expect("a valid time")
                    .and_utc()
                    .to_rfc2822()
            );
        }
        write(
            &root
                .join(host_ip(s).to_string())
                .join(format!("feeds/{a}.xml")),
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>账号{a}</title><link>{}/</link><description>账号{a}</description>{items}</channel></rss>",
                base(s, port)
            ),
        );
        files += 1;
        let _ = write!(
            catalog,
            "[[account]]\nname = \"账号{a}\"\nunit = \"单位{}\"\nplatform = \"{}\"\nsource = {{ kind = \"feed\", url = \"{}/feeds/{a}.xml\" }}\n\n",
            spec.sites + a % units.saturating_sub(spec.sites).max(1),
            PLATFORMS[a % PLATFORMS.len()],
            base(s, port)
        );
    }
    County { catalog, files }
}

/// Columns for crawl-rate and politeness runs: `per_host[h]` single-list-page columns
/// (or `pages` pages each) on host `h`, `per_page` dated items a page.
pub fn crawl_site(
    root: &Path,
    port: u16,
    per_host: &[usize],
    pages: usize,
    per_page: usize,
    today: NaiveDate,
) -> String {
    let mut catalog = String::from("[[unit]]\nname = \"基准单位\"\n\n");
    for (h, &columns) in per_host.iter().enumerate() {
        let host_dir = root.join(host_ip(h).to_string());
        write(&host_dir.join("index.html"), &shell("首页", "<p>首页</p>"));
        let _ = write!(
            catalog,
            "[[site]]\nname = \"站点{h}\"\nurl = \"{}/\"\nunit = \"基准单位\"\n\n",
            base(h, port)
        );
        for c in 0..columns {
            let dir = format!("col/{c}");
            for page in 0..pages {
                let mut list = String::from("<ul class=\"list\">");
                for i in page * per_page..(page + 1) * per_page {
                    let d = today - Days::new(i as u64);
                    let _ = write!(
                        list,
                        "<li><a href=\"/{dir}/{}/t{}_{i}.html\" title=\"信息{i}\">信息{i}</a><span class=\"date\">{}</span></li>",
                        d.format("%Y%m"),
                        d.format("%Y%m%d"),
                        d.format("%Y-%m-%d"),
                    );
                }
                let _ = write!(
                    list,
                    "</ul><div class=\"page\"><script>createPageHTML({pages}, {page}, \"index\", \"html\");</script></div>"
                );
                let file = if page == 0 {
                    "index.html".to_string()
                } else {
                    format!("index_{page}.html")
                };
                write(&host_dir.join(&dir).join(file), &shell("工作动态", &list));
            }
            let _ = write!(
                catalog,
                "[[column]]\nsite = \"站点{h}\"\nname = \"工作动态{c}\"\nurl = \"{}/{dir}/index.html\"\nclass = \"news\"\n\n",
                base(h, port)
            );
        }
    }
    catalog
}

/// A portal: one host, `columns` columns of one TRS-style list page of `per_column`
/// dated items, every item page with `links` links (other item pages, column pages,
/// attachments and images that exist) of which a share `broken_share` is planted
/// broken (a missing page or a missing attachment).
#[derive(Debug, Clone, Copy)]
pub struct PortalSpec {
    pub columns: usize,
    pub per_column: usize,
    pub links: usize,
    pub broken_share: f64,
}

pub struct Portal {
    pub catalog: String,
    /// The home page, the column pages and the item pages: what lychee is given.
    pub page_urls: Vec<String>,
    /// The planted broken URLs.
    pub broken: BTreeSet<String>,
    pub unique_links: usize,
    pub link_occurrences: usize,
}

pub fn portal(root: &Path, port: u16, spec: PortalSpec, today: NaiveDate) -> Portal {
    let mut rng = Rng::new(19);
    let host_dir = root.join(host_ip(0).to_string());
    let home = format!("{}/", base(0, port));
    let mut catalog = format!(
        "[[unit]]\nname = \"基准单位\"\n\n[[site]]\nname = \"门户\"\nurl = \"{home}\"\nunit = \"基准单位\"\nallow_private = [\"127.0.0.0/8\"]\n\n"
    );
    let item_path = |c: usize, i: usize| {
        let d = today - Days::new((i * 3 + c % 3) as u64);
        format!(
            "/col/{c}/{}/t{}_{i}.html",
            d.format("%Y%m"),
            d.format("%Y%m%d")
        )
    };
    let items: Vec<(usize, usize)> = (0..spec.columns)
        .flat_map(|c| (0..spec.per_column).map(move |i| (c, i)))
        .collect();
    let mut page_urls = vec![home.clone()];
    let mut home_links = String::new();
    for c in 0..spec.columns {
        let (name, class) = CLASSES[c % CLASSES.len()];
        let mut list = String::from("<ul class=\"list\">");
        for i in 0..spec.per_column {
            let d = today - Days::new((i * 3 + c % 3) as u64);
            let _ = write!(
                list,
                "<li><a href=\"{}\" title=\"{name}{c}信息{i}\">{name}{c}信息{i}</a><span class=\"date\">{}</span></li>",
                item_path(c, i),
                d.format("%Y-%m-%d"),
            );
        }
        list.push_str("</ul><div class=\"page\"><script>createPageHTML(1, 0, \"index\", \"html\");</script></div>");
        write(
            &host_dir.join(format!("col/{c}/index.html")),
            &shell(name, &list),
        );
        let url = format!("{}/col/{c}/index.html", base(0, port));
        let _ = write!(home_links, "<li><a href=\"{url}\">{name}{c}</a></li>");
        page_urls.push(url.clone());
        let _ = write!(
            catalog,
            "[[column]]\nsite = \"门户\"\nname = \"{name}{c}\"\nurl = \"{url}\"\nclass = \"{class}\"\n\n"
        );
    }
    write(
        &host_dir.join("index.html"),
        &shell("首页", &format!("<ul>{home_links}</ul>")),
    );
    std::fs::create_dir_all(host_dir.join("files")).expect("create the files directory");
    let files = (items.len() / 4).max(1);
    for k in 0..files {
        write(&host_dir.join(format!("files/{k}.pdf")), "%PDF-1.4\n");
        write(&host_dir.join(format!("files/{k}.png")), "PNG");
    }
    let mut unique = BTreeSet::new();
    let mut broken = BTreeSet::new();
    let mut occurrences = 0;
    for &(c, i) in &items {
        let (name, _) = CLASSES[c % CLASSES.len()];
        let d = today - Days::new((i * 3 + c % 3) as u64);
        let mut body = format!(
            "<h2>{name}{c}信息{i}</h2><div class=\"info\">发布时间：{}</div><p>正文内容。</p><ul>",
            d.format("%Y-%m-%d")
        );
        for n in 0..spec.links {
            let b = base(0, port);
            let (url, tag) = if rng.chance(spec.broken_share) {
                let k = rng.below(items.len() / 8 + 1);
                let url = if n % 2 == 0 {
                    format!("{b}/gone/{k}.html")
                } else {
                    format!("{b}/files/missing{k}.pdf")
                };
                broken.insert(url.clone());
                (url, "a")
            } else {
                match n % 10 {
                    0 => (
                        format!("{b}/col/{}/index.html", rng.below(spec.columns)),
                        "a",
                    ),
                    1 => (format!("{b}/files/{}.pdf", rng.below(files)), "a"),
                    2 => (format!("{b}/files/{}.png", rng.below(files)), "img"),
                    _ => {
                        let (tc, ti) = items[rng.below(items.len())];
                        (format!("{b}{}", item_path(tc, ti)), "a")
                    }
                }
            };
            unique.insert(url.clone());
            occurrences += 1;
            if tag == "img" {
                let _ = write!(body, "<li><img src=\"{url}\" alt=\"图片\"></li>");
            } else {
                let _ = write!(body, "<li><a href=\"{url}\">链接{n}</a></li>");
            }
        }
        body.push_str("</ul><a href=\"/\">返回首页</a>");
        let path = item_path(c, i);
        write(
            &host_dir.join(path.trim_start_matches('/')),
            &shell(name, &body),
        );
        page_urls.push(format!("{}{path}", base(0, port)));
    }
    Portal {
        catalog,
        page_urls,
        broken,
        unique_links: unique.len(),
        link_occurrences: occurrences,
    }
}
