//! The sentences an auditor pastes into a notice, in the seeds' exact words (ASCII
//! comma, curly quotes around 僵尸, 、 between names). A date carries its year only when
//! it differs from the year of the day it is read against.

use chrono::{Datelike, NaiveDate};

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

/// account_silent: `1月9日监测到超过两周未更新内容,最新更新时间为2019年12月25日`.
pub fn account_silent(detected: NaiveDate, last_post: NaiveDate, list_year: Option<i32>) -> String {
    format!(
        "{}监测到超过两周未更新内容,最新更新时间为{}",
        detected_zh(detected, list_year),
        day_zh(last_post, detected.year())
    )
}

/// account_silent for an account that has posted nothing since it opened.
pub fn account_silent_never(detected: NaiveDate, list_year: Option<i32>) -> String {
    format!(
        "{}监测到超过两周未更新内容,开设以来未更新内容",
        detected_zh(detected, list_year)
    )
}

/// account_zombie: `1月6日监测到为“僵尸”账号,最新更新时间为2019年2月28日`; an account that
/// never posted: `…为“僵尸”账号,开设以来未更新内容`.
pub fn account_zombie(
    detected: NaiveDate,
    last_post: Option<NaiveDate>,
    list_year: Option<i32>,
) -> String {
    match last_post {
        Some(last) => format!(
            "{}监测到为“僵尸”账号,最新更新时间为{}",
            detected_zh(detected, list_year),
            day_zh(last, detected.year())
        ),
        None => format!(
            "{}监测到为“僵尸”账号,开设以来未更新内容",
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
            "已注销仍运行,注销时间为{},最新更新时间为{}",
            day_zh(c, c.year()),
            day_zh(last_post, c.year())
        ),
        None => format!(
            "已注销仍运行,最新更新时间为{}",
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

/// Joins names as the notices do: `县公安局、县人行`.
pub fn join(names: &[impl AsRef<str>]) -> String {
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("、")
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
        "{}{column}栏目应更新{quota}条,实际更新{published}条",
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
        "{}{column}栏目超过{limit}未更新,最新更新时间为{}年{}月{}日",
        join(units),
        last.year(),
        last.month(),
        last.day()
    )
}

/// site_home_stale (首页不更新).
pub fn site_home_stale(site: &str, last: Option<NaiveDate>) -> String {
    match last {
        Some(d) => format!(
            "{site}首页超过两周未更新,最新更新时间为{}年{}月{}日",
            d.year(),
            d.month(),
            d.day()
        ),
        None => format!("{site}首页未发现带日期的信息"),
    }
}

/// site_unreachable: the share of failed probes over the window.
pub fn site_unreachable(site: &str, days: u32, probes: usize, failed: usize) -> String {
    let share = if probes == 0 {
        0.0
    } else {
        failed as f64 * 100.0 / probes as f64
    };
    format!("{site}网站无法正常访问,近{days}天监测{probes}次,失败{failed}次,失败率{share:.1}%")
}

/// site_blocked: the site answers govwatch with an anti-bot challenge.
pub fn site_blocked(site: &str) -> String {
    format!("{site}网站拦截监测访问(反爬虫验证),需网站管理单位放行")
}

/// link_broken: `某县人民政府首页存在死链:政策文件 http://…`; `where_` is 首页,
/// `工作动态栏目页面` or `网站页面`; the anchor text is left out when there is none.
pub fn link_broken(site: &str, where_: &str, anchor: &str, url: &str) -> String {
    let anchor = anchor.trim();
    if anchor.is_empty() {
        format!("{site}{where_}存在死链:{url}")
    } else {
        format!("{site}{where_}存在死链:{anchor} {url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn sentences_match_the_seeds_to_the_character() {
        assert_eq!(
            account_silent(d(2020, 1, 9), d(2019, 12, 25), None),
            "1月9日监测到超过两周未更新内容,最新更新时间为2019年12月25日"
        );
        assert_eq!(
            account_silent(d(2020, 3, 6), d(2020, 2, 20), Some(2020)),
            "3月6日监测到超过两周未更新内容,最新更新时间为2月20日"
        );
        assert_eq!(
            account_zombie(d(2020, 1, 6), Some(d(2019, 2, 28)), None),
            "1月6日监测到为“僵尸”账号,最新更新时间为2019年2月28日"
        );
        assert_eq!(ACCOUNT_DUPLICATE, "同一平台开设多个政务新媒体账号");
        assert_eq!(
            column_zero_publish(&["县公安局", "县人行"], "工作动态"),
            "县公安局、县人行工作动态栏目更新为0"
        );
        assert_eq!(
            unit_zero_publish(&["审计局", "林业局", "乡村振兴局"]),
            "审计局、林业局、乡村振兴局新闻信息发布为0"
        );
        assert_eq!(
            column_unreachable(&["范家寨镇"], "工作动态"),
            "范家寨镇工作动态栏目链接无法正常访问"
        );
    }

    #[test]
    fn a_detection_in_an_earlier_year_than_the_list_carries_its_year() {
        assert_eq!(
            account_silent(d(2019, 12, 30), d(2019, 12, 14), Some(2020)),
            "2019年12月30日监测到超过两周未更新内容,最新更新时间为12月14日"
        );
    }
}
