//! 总览's progress block: this quarter so far, counted by the code the exports and the
//! quarterly notice use (columns on quota by `export columns`' rows, accounts passing and
//! 合格率 by `export accounts`, rates worded as the notice words them), and a 12-week
//! trend per unit: the findings open at the end of each week (Sunday; today for the
//! current week; counted in SQL by [`Store::open_trend`]), drawn as inline SVG made here
//! (no script, no outside asset).
//!
//! A unit user's block counts their unit's columns and accounts and draws their unit's
//! trend only. Reads the store and the catalog in use; writes nothing, not even the
//! catalog sync `govwatch export` does first (the daemon's cycle does it).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use minijinja::{Value, context};

use super::Console;
use super::files::by_column_key;
use super::units::unit_path;
use crate::catalog::Catalog;
use crate::clock::{Clock, end_of_day, start_of_day};
use crate::config::Settings;
use crate::detect::period::Period;
use crate::report::accounts::{Span, account_tally, tally_subjects};
use crate::report::columns::{ColumnRow, Observed, Status, column_rows, reads_by_key};
use crate::report::notice::pass_rate;
use crate::store::{CatalogIds, Dismissed, Session, Store, StoreError};

/// Weeks the trend shows, the current one included.
pub const TREND_WEEKS: usize = 12;

/// Units an office user's 总览 draws, besides the whole county: those with the most
/// open findings.
pub const TREND_UNITS: usize = 8;

/// Every catalog column's row for `period` as `govwatch export columns` states it (count
/// so far, quota, last update, 完成情况 or why no count can be stated), in catalog
/// order, by the same [`reads_by_key`] and [`column_rows`]; but from what the period
/// needs, not the whole history the export reads: the item dates of the period (and
/// each column's newest before it), each column's oldest date, and the crawls from the
/// period's start (and each column's latest read before it). Those give the export's
/// rows for the period: a count and a last update read only the period's dates and the
/// newest before; completeness reads only the oldest date, and a list complete from
/// before the period's start is so by any read before it.
pub async fn column_rows_now(
    store: &Store,
    settings: &Settings,
    catalog: &Catalog,
    ids: &CatalogIds,
    clock: &Clock,
    period: Period,
) -> Result<Vec<ColumnRow>, StoreError> {
    let today = clock.today();
    let from = period.start();
    // What the counts and last updates read; what completeness reads of the dates (the
    // oldest alone); the crawls.
    let empty = HashMap::new();
    let (dates, oldest, crawls) = tokio::try_join!(
        store.item_dates_from(today, from, &empty),
        store.oldest_item_dates(),
        store.column_crawls_since(start_of_day(from, clock.tz()), clock.now()),
    )?;
    let dates = by_column_key(ids, dates);
    let oldest = by_column_key(
        ids,
        oldest.into_iter().map(|(id, d)| (id, vec![d])).collect(),
    );
    let reads = reads_by_key(
        &ids.columns,
        &crawls,
        &oldest,
        |t| clock.day_of(t),
        settings.crawl.max_pages,
        |day| crate::cycle::crawl::back_to(settings, day),
    );
    let seen = Observed {
        dates: &dates,
        reads: &reads,
    };
    Ok(column_rows(catalog, seen, period, today))
}

/// 达标栏目 and 应考核栏目 among `rows`: columns whose count is 完成, of those whose count
/// can be stated (read in the period, the list reaching back to its start).
pub fn columns_on_quota<'r>(rows: impl IntoIterator<Item = &'r ColumnRow>) -> (usize, usize) {
    let (mut done, mut assessed) = (0, 0);
    for r in rows {
        if r.status.is_some_and(Status::is_counted) {
            assessed += 1;
            done += usize::from(r.status == Some(Status::Done));
        }
    }
    (done, assessed)
}

/// The days the trend counts, oldest first: each week's Monday and the day its count is
/// taken (its Sunday; `today` for the current week).
pub fn trend_days(today: NaiveDate, weeks: usize) -> Vec<(NaiveDate, NaiveDate)> {
    let mut week = Period::week_of(today);
    let mut out = Vec::with_capacity(weeks);
    for _ in 0..weeks {
        out.push((week.start(), week.end().min(today)));
        week = week.previous();
    }
    out.reverse();
    out
}

/// `8/26` for a week's Monday.
fn short_day(d: NaiveDate) -> String {
    d.format("%-m/%-d").to_string()
}

/// Text for SVG (element text and attribute values alike).
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One small bar chart of a unit's open findings at the end of each week, as inline SVG
/// with an accessible title and description (the numbers, in words). `id` makes the
/// title's and description's ids unique on the page.
pub fn trend_svg(id: &str, name: &str, days: &[(NaiveDate, NaiveDate)], counts: &[u64]) -> String {
    const W: f64 = 260.0;
    const H: f64 = 118.0;
    const LEFT: f64 = 30.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 24.0;
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let slot = (W - LEFT - RIGHT) / counts.len().max(1) as f64;
    let bar = (slot * 0.64).max(1.0);
    let base = H - BOTTOM;
    let height = base - TOP;
    let title = format!("{name}：近{}周每周末未整改问题数", counts.len());
    let values: Vec<String> = days
        .iter()
        .zip(counts)
        .map(|((start, _), n)| format!("{}当周{n}个", short_day(*start)))
        .collect();
    let desc = match days.last() {
        Some((_, today)) => format!(
            "{}（本周截至{}）。",
            values.join("，"),
            today.format("%Y年%-m月%-d日")
        ),
        None => "暂无数据。".to_string(),
    };
    let mut svg = format!(
        "<svg class=\"trend\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {W} {H}\" \
         width=\"{W}\" height=\"{H}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        xml_escape(&title),
        xml_escape(&desc)
    );
    // The axis: zero and the largest count.
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#9aa5b1\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{}\" y2=\"{TOP}\" stroke=\"#e4e7eb\" stroke-dasharray=\"3 3\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">0</text>",
        W - RIGHT,
        W - RIGHT,
        LEFT - 4.0,
        TOP + 4.0,
        LEFT - 4.0,
    ));
    let last = counts.len().saturating_sub(1);
    for (i, n) in counts.iter().enumerate() {
        let h = (*n as f64 / max as f64 * height).round();
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let fill = if i == last { "#b3261e" } else { "#7b8794" };
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{fill}\"/>",
            base - h
        ));
        if i == last {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#b3261e\">{n}</text>",
                x + bar / 2.0,
                (base - h - 3.0).max(10.0)
            ));
        }
    }
    if let (Some((first, _)), true) = (days.first(), counts.len() > 1) {
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{}\" font-size=\"11\" fill=\"#616e7c\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#616e7c\">本周</text>",
            H - 6.0,
            short_day(*first),
            W - RIGHT,
            H - 6.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The charts to draw: the unit user's own unit, or for the office the whole county and
/// the [`TREND_UNITS`] catalog units with the most findings open now (then by name).
/// Each is (name, link to its 单位 page, its count at the end of each of `ends`).
async fn trend_subjects(
    store: &Store,
    dismissed: &Dismissed,
    session: &Session,
    catalog: &Catalog,
    per_unit: &[(String, u64, u64)],
    ends: &[NaiveDate],
) -> Result<Vec<(String, Option<String>, Vec<u64>)>, StoreError> {
    let units: Vec<String> = if session.user.role.sees_all() {
        let known: HashSet<&str> = catalog.units.iter().map(|u| u.name.as_str()).collect();
        let mut ranked: Vec<(u64, String)> = per_unit
            .iter()
            .filter(|(u, n, _)| *n > 0 && known.contains(u.as_str()))
            .map(|(u, n, _)| (*n, u.clone()))
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .take(TREND_UNITS)
            .map(|(_, u)| u)
            .collect()
    } else {
        session.user.unit.iter().cloned().collect()
    };
    let county = async {
        match session.user.role.sees_all() {
            true => store.county_open_trend(dismissed, ends).await.map(Some),
            false => Ok(None),
        }
    };
    let (county, of_units) =
        tokio::try_join!(county, store.units_open_trend(dismissed, ends, &units))?;
    let mut out = Vec::with_capacity(units.len() + 1);
    if let Some(all) = county {
        out.push(("全部单位".to_string(), None, all));
    }
    for (unit, counts) in of_units {
        let link = unit_path(&unit);
        out.push((unit, Some(link), counts));
    }
    Ok(out)
}

/// The block's template values, or `None` (logged) when the store cannot be read: 总览
/// still shows its counts. `dismissed` and `per_unit` (the open findings per unit the
/// user may see, [`Store::open_per_unit`]) are what 总览 has read already.
pub async fn block(
    console: &Console,
    session: &Session,
    dismissed: &Dismissed,
    per_unit: &[(String, u64, u64)],
) -> Option<Value> {
    match gather(console, session, dismissed, per_unit).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!("console: reading this quarter's progress failed: {e}");
            None
        }
    }
}

async fn gather(
    console: &Console,
    session: &Session,
    dismissed: &Dismissed,
    per_unit: &[(String, u64, u64)],
) -> Result<Value, StoreError> {
    let catalog = console.catalog();
    let store = &console.store;
    let settings = &console.app.settings;
    let clock = Clock::new(chrono::Utc::now(), console.app.clock.tz());
    let today = clock.today();
    let period = Period::quarter_of(today);
    let mine =
        (!session.user.role.sees_all()).then(|| session.user.unit.clone().unwrap_or_default());

    // The reads are independent: run together, on as many pool connections.
    let columns = async {
        let ids = store.catalog_ids().await?;
        column_rows_now(store, settings, &catalog, &ids, &clock, period).await
    };
    // The accounts' episodes open at any time in the quarter (a unit user's: those
    // naming their unit), their days only: all the pass rate reads.
    let accounts_catalog = match &mine {
        None => catalog.clone(),
        Some(unit) => {
            let mut own = Catalog::clone(&catalog);
            own.accounts.retain(|a| &a.unit == unit);
            std::sync::Arc::new(own)
        }
    };
    let subjects = tally_subjects(&accounts_catalog);
    let spans =
        store.account_episode_days(dismissed, period.start(), today, mine.as_deref(), &subjects);
    let tz = clock.tz();
    let read = store.accounts_read_between(
        start_of_day(period.start(), tz),
        end_of_day(period.end(), tz).min(clock.now()),
    );
    let days = trend_days(today, TREND_WEEKS);
    let ends: Vec<NaiveDate> = days.iter().map(|(_, end)| *end).collect();
    let subjects = trend_subjects(store, dismissed, session, &catalog, per_unit, &ends);
    let (rows, spans, read, subjects) = tokio::try_join!(columns, spans, read, subjects)?;

    let in_scope = |units: &[String]| mine.as_ref().is_none_or(|m| units.contains(m));
    let scoped: Vec<&ColumnRow> = rows.iter().filter(|r| in_scope(&r.units)).collect();
    let (on_quota, assessed) = columns_on_quota(scoped.iter().copied());
    let spans = spans.iter().map(Span::from);
    let accounts = account_tally(&accounts_catalog, spans, period, today, &read);

    let trends: Vec<Value> = subjects
        .into_iter()
        .enumerate()
        .map(|(i, (name, link, counts))| {
            context! {
                svg => trend_svg(&format!("trend-{i}"), &name, &days, &counts),
                now => counts.last().copied().unwrap_or(0),
                name,
                link,
            }
        })
        .collect();
    Ok(context! {
        label => period.label_zh(),
        today => today.format("%Y-%m-%d").to_string(),
        from => days.first().map(|(d, _)| d.format("%Y-%m-%d").to_string()),
        columns => scoped.len(),
        assessed,
        on_quota,
        uncounted => scoped.len() - assessed,
        column_rate => pass_rate(on_quota, assessed),
        running => accounts.running,
        watched => accounts.watched,
        passed => accounts.passed,
        pass_rate => pass_rate(accounts.passed, accounts.watched),
        trends,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    #[test]
    fn twelve_weeks_end_on_sundays_and_today() {
        // 2020-09-10 is a Thursday.
        let days = trend_days(d(9, 10), 12);
        assert_eq!(days.len(), 12);
        assert_eq!(days[11], (d(9, 7), d(9, 10)));
        assert_eq!(days[10], (d(8, 31), d(9, 6)));
        assert_eq!(days[0], (d(6, 22), d(6, 28)));
    }

    #[test]
    fn columns_on_quota_count_only_what_can_be_stated() {
        let row = |status| ColumnRow {
            site: "区政府".into(),
            column: "工作动态".into(),
            units: vec!["财政局".into()],
            quota: Some(3),
            published: 1,
            last_update: None,
            status,
        };
        let rows = [
            row(Some(Status::Done)),
            row(Some(Status::Short)),
            row(Some(Status::Zero)),
            row(Some(Status::Unwatched)),
            row(Some(Status::Incomplete)),
        ];
        assert_eq!(columns_on_quota(&rows), (1, 3));
    }

    #[test]
    fn the_chart_names_its_numbers_and_escapes_names() {
        let days = trend_days(d(9, 10), 3);
        let svg = trend_svg("t0", "<script>alert(1)</script>局", &days, &[2, 0, 5]);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;局：近3周每周末未整改问题数"),
            "{svg}"
        );
        assert!(
            svg.contains("8/24当周2个，8/31当周0个，9/7当周5个（本周截至2020年9月10日）。"),
            "{svg}"
        );
        assert!(svg.contains("aria-labelledby=\"t0-t t0-d\""), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.ends_with("</svg>"));
    }
}
