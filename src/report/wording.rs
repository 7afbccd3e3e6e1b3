//! The one place that words findings: the sentences an auditor pastes into a notice, in
//! the seeds' exact words in official-document punctuation (full-width ，：；（）, curly quotes around 僵尸, 、 between names). A
//! finding's sentence is rendered when it is read, from its kind, its evidence and the
//! day its episode opened, so a wording fix reaches every stored finding. The `sentence`
//! column of the store is read only for findings whose evidence does not parse (written
//! by an older version).
//!
//! A date carries its year only when it differs from the year of the day it is read
//! against: the detection day against the list's year (the detection's own by default),
//! other days against the detection's year.

use chrono::{Datelike, NaiveDate};

use crate::detect::Finding;
use crate::observe::evidence::Evidence;
use crate::store::FindingRecord;

pub use crate::detect::join_names as join;

/// A finding's sentence where findings of several periods are listed together (the
/// email, `findings`, the findings export): a finding about a quarter names it
/// (`审计局通知公告栏目三季度更新为0`). Its day is the episode's opening day.
pub fn sentence(f: &FindingRecord) -> String {
    rendered(f, None).unwrap_or_else(|| f.stored_sentence.clone())
}

/// A finding's sentence in a list covering `list_year` (a problem-account list): the
/// detecting day carries its year when the list covers a later year.
pub fn list_sentence(f: &FindingRecord, list_year: i32) -> String {
    rendered(f, Some(list_year)).unwrap_or_else(|| f.stored_sentence.clone())
}

fn rendered(f: &FindingRecord, list_year: Option<i32>) -> Option<String> {
    let evidence = f.evidence.as_ref()?;
    let plain = render(evidence, &f.subject_key, f.opened_on, list_year)?;
    Some(match (evidence, quarter_zh(&f.subject_key, f.opened_on)) {
        (Evidence::ColumnZeroPublish(e), Some(q)) => {
            format!("{}{}栏目{q}更新为0", join(&e.column.units), e.column.column)
        }
        (Evidence::ColumnQuotaShortfall(e), Some(q)) => format!(
            "{}{}栏目{q}应更新{}条，实际更新{}条",
            join(&e.column.units),
            e.column.column,
            e.quota,
            e.published
        ),
        (Evidence::UnitZeroPublish(e), Some(q)) => format!("{}{q}新闻信息发布为0", e.unit),
        _ => plain,
    })
}

/// The quarter a period finding (`KEY#2020Q3`) is about, as a sentence names it: 三季度,
/// or 2019年四季度 when it is not the year of the opening day.
fn quarter_zh(subject_key: &str, opened_on: NaiveDate) -> Option<String> {
    match crate::detect::columns::split_period_subject(subject_key)?.1 {
        crate::detect::period::Period::Quarter { year, quarter } => {
            let q = ["一", "二", "三", "四"][(quarter as usize - 1).min(3)];
            Some(if year == opened_on.year() {
                format!("{q}季度")
            } else {
                format!("{year}年{q}季度")
            })
        }
        _ => None,
    }
}

/// The sentence of a finding just detected, for an episode opening `today`.
pub fn detected_sentence(f: &Finding, today: NaiveDate) -> String {
    render(&f.evidence, &f.subject_key, today, None).unwrap_or_default()
}

/// The sentence for `evidence` of a finding about `subject_key` (sites and links name
/// their site by it) whose episode opened on `opened_on`; `None` when the evidence lacks
/// what the sentence needs (a column_stale row written before its limit was kept).
pub fn render(
    evidence: &Evidence,
    subject_key: &str,
    opened_on: NaiveDate,
    list_year: Option<i32>,
) -> Option<String> {
    let detected = opened_on;
    Some(match evidence {
        Evidence::SiteUnreachable(e) => {
            site_unreachable(subject_key, e.window_days, e.probes, e.failed)
        }
        Evidence::SiteBlocked(_) => site_blocked(subject_key),
        Evidence::SiteHomeStale(e) => site_home_stale(subject_key, e.last_update),
        Evidence::ColumnUnreachable(e) => column_unreachable(&e.column.units, &e.column.column),
        Evidence::ColumnEmpty(e) => column_empty(&e.column.units, &e.column.column),
        Evidence::ColumnStale(e) => {
            let limit = match (e.limit_days, e.limit_months) {
                (Some(14), _) => "两周".to_string(),
                (Some(days), _) => format!("{days}天"),
                (None, Some(months)) => format!("{months}个月"),
                (None, None) => return None,
            };
            column_stale(
                &e.column.units,
                &e.column.column,
                &limit,
                e.column.last_update?,
            )
        }
        Evidence::ColumnZeroPublish(e) => column_zero_publish(&e.column.units, &e.column.column),
        Evidence::ColumnQuotaShortfall(e) => {
            column_quota_shortfall(&e.column.units, &e.column.column, e.quota, e.published)
        }
        Evidence::UnitZeroPublish(e) => unit_zero_publish(&[&e.unit]),
        Evidence::LinkBroken(e) => {
            let first = e.pages.first()?;
            let site = subject_key
                .strip_suffix(&e.url)
                .and_then(|s| s.strip_suffix('|'))
                .unwrap_or(subject_key);
            link_broken(site, &first.place, &first.anchor, &e.url)
        }
        Evidence::AccountSilent(e) => match e.account.last_post {
            Some(last) => account_silent(detected, last, list_year),
            None => account_silent_never(detected, list_year),
        },
        Evidence::AccountZombie(e) => account_zombie(detected, e.account.last_post, list_year),
        Evidence::AccountDuplicate(_) => ACCOUNT_DUPLICATE.to_string(),
        Evidence::AccountWeeklyMinimum(e) => {
            account_weekly_minimum(detected, e.week_start, e.week_end, list_year)
        }
        Evidence::AccountUnregistered(_) => account_unregistered(detected, list_year),
        Evidence::AccountClosedActive(e) => {
            account_closed_active(e.closed_on, e.account.last_post?)
        }
        Evidence::AccountUnreachable(_) => account_unreachable(detected, list_year),
        Evidence::MessageOverdue(e) => {
            let limit = match e.reply_days {
                Some(days) => format!("超过{days}个工作日未办结"),
                None => "超过办理时限未办结".to_string(),
            };
            format!("{}{limit}", message_named(&e.message, detected.year()))
        }
        Evidence::InteractionUnanswered(e) => {
            let limit = if e.limit_days == 90 {
                "3个月".to_string()
            } else {
                format!("{}天", e.limit_days)
            };
            format!(
                "{}超过{limit}未回复",
                message_named(&e.message, detected.year())
            )
        }
        Evidence::MailboxUnreachable(e) => mailbox_unreachable(&e.units, &e.mailbox),
        Evidence::ContentError(e) => content_error(&e.page, &e.hits),
        Evidence::PrivacyLeak(e) => privacy_leak(&e.page, e.id_numbers, e.mobiles, e.bank_cards),
        Evidence::LinkHidden(e) => link_hidden(&e.page, &e.links),
        Evidence::LinkSuspicious(e) => {
            format!(
                "{}外链“{}”指向的页面含{}类内容",
                page_named(&e.page),
                e.anchor,
                e.category
            )
        }
    })
}

/// A page as content sentences name it: `县财政局网站《关于…的通知》`, `县财政局网站首页`.
pub fn page_named(p: &crate::observe::evidence::PageBase) -> String {
    let owner = p.unit.as_deref().unwrap_or(&p.site);
    let page = match &p.title {
        Some(title) => format!("{owner}网站《{title}》"),
        None => format!("{owner}网站{}", p.place),
    };
    match &p.attachment {
        Some(name) => format!("{page}附件《{name}》"),
        None => page,
    }
}

/// content_error: `县财政局网站《关于…的通知》存在错误表述“中华人民共合国”，应为“中华人民共和国”`;
/// several forms are joined with ；, more than three end with 等N处.
pub fn content_error(
    p: &crate::observe::evidence::PageBase,
    hits: &[crate::observe::evidence::ContentHit],
) -> String {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<_> = hits.iter().filter(|h| seen.insert(&h.text)).collect();
    let parts: Vec<String> = distinct
        .iter()
        .take(3)
        .map(|h| {
            let what = match (h.category.as_str(), &h.right) {
                ("过时表述", _) => "过时表述",
                ("禁用词", _) | (_, None) => "禁用表述",
                _ => "错误表述",
            };
            match &h.right {
                Some(right) => format!("{what}“{}”，应为“{right}”", h.text),
                None => format!("{what}“{}”", h.text),
            }
        })
        .collect();
    let more = if distinct.len() > 3 {
        format!("等{}处", hits.len())
    } else {
        String::new()
    };
    format!("{}存在{}{more}", page_named(p), parts.join("；"))
}

/// link_hidden: `县财政局网站首页存在暗链：bet.example、xx.com（3处）` (the first three
/// hosts).
pub fn link_hidden(
    p: &crate::observe::evidence::PageBase,
    links: &[crate::observe::evidence::HiddenLink],
) -> String {
    let mut hosts: Vec<String> = Vec::new();
    for l in links {
        let host = url::Url::parse(&l.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| l.url.clone());
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let more = if hosts.len() > 3 { "等" } else { "" };
    hosts.truncate(3);
    format!(
        "{}存在暗链：{}{more}（{}处）",
        page_named(p),
        hosts.join("、"),
        links.len()
    )
}

/// privacy_leak: `县卫健局网站《…公示》泄露个人信息（身份证号12处、手机号3处）`.
pub fn privacy_leak(
    p: &crate::observe::evidence::PageBase,
    id_numbers: usize,
    mobiles: usize,
    bank_cards: usize,
) -> String {
    let counts: Vec<String> = [
        ("身份证号", id_numbers),
        ("手机号", mobiles),
        ("银行卡号", bank_cards),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| format!("{k}{n}处"))
    .collect();
    format!("{}泄露个人信息（{}）", page_named(p), counts.join("、"))
}

/// A message as the notices name it: `县自然资源局区长信箱9月1日来信《关于…的咨询》`, an
/// imported record `城关镇12345热线6月1日受理的工单（编号QY0601）`; a letter with no
/// visible date `…来信《…》（来信日期不详，9月3日首次发现）`. The day carries its year
/// when it is not `year` (the detection's): a letter of last year found in January.
pub fn message_named(m: &crate::observe::evidence::MessageBase, year: i32) -> String {
    let unit = m.unit.as_deref().unwrap_or_default();
    let day = day_zh(m.received_on, year);
    match (&m.title, m.received_known) {
        (Some(title), true) => format!("{unit}{}{day}来信《{title}》", m.channel),
        (Some(title), false) => format!(
            "{unit}{}来信《{title}》（来信日期不详，{day}首次发现）",
            m.channel
        ),
        (None, _) => format!("{unit}{}{day}受理的工单（编号{}）", m.channel, m.number),
    }
}

/// mailbox_unreachable (互动渠道不能使用).
pub fn mailbox_unreachable(units: &[impl AsRef<str>], mailbox: &str) -> String {
    format!("{}{mailbox}无法正常访问", join(units))
}

/// `1月9日`, or `2019年12月25日` when `day` is not in `reference_year`.
pub fn day_zh(day: NaiveDate, reference_year: i32) -> String {
    if day.year() == reference_year {
        format!("{}月{}日", day.month(), day.day())
    } else {
        format!("{}年{}月{}日", day.year(), day.month(), day.day())
    }
}

/// The detecting day as a problem list prints it: with its year when the list covers
/// a later year than the detection.
pub fn detected_zh(detected: NaiveDate, list_year: Option<i32>) -> String {
    day_zh(detected, list_year.unwrap_or(detected.year()))
}

/// account_silent: `1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日`.
pub fn account_silent(detected: NaiveDate, last_post: NaiveDate, list_year: Option<i32>) -> String {
    format!(
        "{}监测到超过两周未更新内容，最新更新时间为{}",
        detected_zh(detected, list_year),
        day_zh(last_post, detected.year())
    )
}

/// account_silent for an account that has posted nothing since it opened.
pub fn account_silent_never(detected: NaiveDate, list_year: Option<i32>) -> String {
    format!(
        "{}监测到超过两周未更新内容，开设以来未更新内容",
        detected_zh(detected, list_year)
    )
}

/// account_zombie: `1月6日监测到为“僵尸”账号，最新更新时间为2019年2月28日`; an account that
/// never posted: `…为“僵尸”账号，开设以来未更新内容`.
pub fn account_zombie(
    detected: NaiveDate,
    last_post: Option<NaiveDate>,
    list_year: Option<i32>,
) -> String {
    match last_post {
        Some(last) => format!(
            "{}监测到为“僵尸”账号，最新更新时间为{}",
            detected_zh(detected, list_year),
            day_zh(last, detected.year())
        ),
        None => format!(
            "{}监测到为“僵尸”账号，开设以来未更新内容",
            detected_zh(detected, list_year)
        ),
    }
}

/// account_weekly_minimum (seed 000: 每周至少发布一条原创内容): a completed week (Monday to
/// Sunday) without an original post, `1月13日监测到1月6日至1月12日一周未发布原创内容`.
pub fn account_weekly_minimum(
    detected: NaiveDate,
    week_start: NaiveDate,
    week_end: NaiveDate,
    list_year: Option<i32>,
) -> String {
    format!(
        "{}监测到{}至{}一周未发布原创内容",
        detected_zh(detected, list_year),
        day_zh(week_start, detected.year()),
        day_zh(week_end, detected.year())
    )
}

pub const ACCOUNT_DUPLICATE: &str = "同一平台开设多个政务新媒体账号";

/// account_closed_active: deregistered on paper, still posting (已注销仍运行).
pub fn account_closed_active(closed_on: Option<NaiveDate>, last_post: NaiveDate) -> String {
    match closed_on {
        Some(c) => format!(
            "已注销仍运行，注销时间为{}，最新更新时间为{}",
            day_zh(c, c.year()),
            day_zh(last_post, c.year())
        ),
        None => format!(
            "已注销仍运行，最新更新时间为{}",
            day_zh(last_post, last_post.year())
        ),
    }
}

/// account_unreachable.
pub fn account_unreachable(detected: NaiveDate, list_year: Option<i32>) -> String {
    format!("{}监测到账号无法访问", detected_zh(detected, list_year))
}

/// account_unregistered: `1月9日监测到未经报备私自开设` (seed 004: 未经报备私自开设“高崖印象”
/// 微信公众号; the list row names the account and its platform).
pub fn account_unregistered(detected: NaiveDate, list_year: Option<i32>) -> String {
    format!("{}监测到未经报备私自开设", detected_zh(detected, list_year))
}

/// column_zero_publish: `县公安局工作动态栏目更新为0`.
pub fn column_zero_publish(units: &[impl AsRef<str>], column: &str) -> String {
    format!("{}{column}栏目更新为0", join(units))
}

/// column_quota_shortfall: `城区统一建设局单位文件栏目应更新3条,实际更新2条`.
pub fn column_quota_shortfall(
    units: &[impl AsRef<str>],
    column: &str,
    quota: u32,
    published: usize,
) -> String {
    format!(
        "{}{column}栏目应更新{quota}条，实际更新{published}条",
        join(units)
    )
}

/// unit_zero_publish: `审计局新闻信息发布为0` (a report joins several units with 、).
pub fn unit_zero_publish(units: &[impl AsRef<str>]) -> String {
    format!("{}新闻信息发布为0", join(units))
}

/// column_unreachable, as seed 001 words it.
pub fn column_unreachable(units: &[impl AsRef<str>], column: &str) -> String {
    format!("{}{column}栏目链接无法正常访问", join(units))
}

/// column_empty (空白栏目).
pub fn column_empty(units: &[impl AsRef<str>], column: &str) -> String {
    format!("{}{column}栏目为空白栏目", join(units))
}

/// column_stale: `县政府办工作动态栏目超过两周未更新,最新更新时间为2020年3月2日`.
pub fn column_stale(
    units: &[impl AsRef<str>],
    column: &str,
    limit: &str,
    last: NaiveDate,
) -> String {
    format!(
        "{}{column}栏目超过{limit}未更新，最新更新时间为{}年{}月{}日",
        join(units),
        last.year(),
        last.month(),
        last.day()
    )
}

/// site_home_stale (首页不更新).
pub fn site_home_stale(site: &str, last: NaiveDate) -> String {
    format!(
        "{site}首页超过两周未更新，最新更新时间为{}年{}月{}日",
        last.year(),
        last.month(),
        last.day()
    )
}

/// site_unreachable: the share of failed probes over the window.
pub fn site_unreachable(site: &str, days: u32, probes: usize, failed: usize) -> String {
    let share = if probes == 0 {
        0.0
    } else {
        failed as f64 * 100.0 / probes as f64
    };
    format!("{site}网站无法正常访问，近{days}天监测{probes}次，失败{failed}次，失败率{share:.1}%")
}

/// site_blocked: the site answers govwatch with an anti-bot challenge.
pub fn site_blocked(site: &str) -> String {
    format!("{site}网站拦截监测访问（反爬虫验证），需网站管理单位放行")
}

/// link_broken: `某县人民政府首页存在死链：政策文件 http://…`; `where_` is 首页,
/// `工作动态栏目页面` or `网站页面`; the anchor text is left out when there is none.
pub fn link_broken(site: &str, where_: &str, anchor: &str, url: &str) -> String {
    let anchor = anchor.trim();
    if anchor.is_empty() {
        format!("{site}{where_}存在死链：{url}")
    } else {
        format!("{site}{where_}存在死链：{anchor} {url}")
    }
}

#[cfg(test)]
mod tests;
