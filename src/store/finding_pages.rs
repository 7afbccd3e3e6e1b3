//! Findings as the console pages them: counted, filtered, sorted and cut into pages in
//! SQL, so a page costs the same with 100 findings or 100,000 (never every finding read
//! to show fifty). Who may see what goes through the `finding_units` relation: a unit
//! user sees the findings naming their unit, one of a column's 保障单位 being enough.
//!
//! The store does not decide what is overdue (整改超期): the caller computes from its
//! 整改期限 rule the first opening day that is not overdue today, and the store compares.
//! 误报 is the dismissals' rule ([`crate::observe::Dismissal::covers`]), applied in Rust
//! to the few findings dismissals name: a list leaves the ids found out in its SQL (as
//! numbers), a count takes them out of what its GROUP BY returns.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

use super::findings::{FindingRecord, unit_names};
use super::{Kind as Backend, Result, Store, ctx, on_pool};
use crate::observe::hits_of;
use crate::observe::kind::Kind;

/// Whose findings a read may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every finding (office and admin).
    All,
    /// The findings naming this unit (a unit user). An empty name matches none.
    Unit(String),
}

/// Where a finding stands, as a filter: `Open` includes the overdue ones, the others
/// exclude each other, and a 误报 is only `Dismissed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Open,
    /// Open and opened before [`FindingQuery::overdue_before`] (整改超期).
    Overdue,
    Rectified,
    /// Closed as 不再监测.
    Unwatched,
    Dismissed,
}

/// How a list is sorted; overdue findings come first in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    /// Newest first.
    #[default]
    Opened,
    /// Longest open first (to the day resolved, or `today`).
    DaysOpen,
}

/// Which findings a page lists, and in which order.
#[derive(Debug, Clone)]
pub struct FindingQuery {
    pub visibility: Visibility,
    /// Findings naming this unit.
    pub unit: Option<String>,
    pub kind: Option<Kind>,
    pub standing: Option<Standing>,
    /// Episodes open at any time after this day.
    pub since: Option<NaiveDate>,
    /// The day the list is read (for days open).
    pub today: NaiveDate,
    /// An open finding opened before this day is overdue (整改超期).
    pub overdue_before: NaiveDate,
    pub order: ListOrder,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct FindingPage {
    /// Findings matching the query, on every page.
    pub total: u64,
    /// The page shown, from 1 (a page past the last shows the last).
    pub page: u64,
    pub pages: u64,
    /// This page's findings, their dismissals attached.
    pub findings: Vec<FindingRecord>,
}

/// Open findings counted for 总览, 误报 left out.
#[derive(Debug, Clone, Default)]
pub struct OpenCounts {
    pub by_kind: Vec<(Kind, u64)>,
    /// The earliest opened of the open findings of the `flagged` kinds, in order of
    /// opening (as many as asked for).
    pub flagged: Vec<FindingRecord>,
}

/// An episode's days, without its text or evidence: what counting accounts needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeDays {
    pub kind: Kind,
    pub subject_key: String,
    pub opened_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

/// The findings a dismissal in force covers (误报), read once for the several counts of
/// a page ([`Store::dismissed`]). Few (an office marks them one by one), so a count
/// takes them out of its GROUP BY's result here rather than testing every row it counts
/// against their ids in SQL (which cost more than the count itself at 100,000 findings).
#[derive(Debug, Clone, Default)]
pub struct Dismissed(Vec<Covered>);

/// A finding a dismissal in force covers, with what the counts group it by.
#[derive(Debug, Clone)]
struct Covered {
    id: i64,
    kind: Kind,
    /// Its units as `finding_units` holds them ([`unit_names`]).
    units: Vec<String>,
    open: bool,
    opened_on: NaiveDate,
    resolved_on: Option<NaiveDate>,
}

impl Covered {
    fn visible(&self, visibility: &Visibility) -> bool {
        match visibility {
            Visibility::All => true,
            Visibility::Unit(unit) => self.units.iter().any(|u| u == unit),
        }
    }

    /// Open at the end of `day` (opened by then, not resolved by then).
    fn open_on(&self, day: NaiveDate) -> bool {
        self.opened_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }
}

impl Dismissed {
    fn ids(&self) -> Vec<i64> {
        self.0.iter().map(|c| c.id).collect()
    }

    /// The open ones `visibility` lets see: what a count of open findings takes out.
    fn open_visible<'a>(&'a self, visibility: &'a Visibility) -> impl Iterator<Item = &'a Covered> {
        self.0
            .iter()
            .filter(move |c| c.open && c.visible(visibility))
    }
}

/// A value bound to a query, in order.
enum Arg {
    Text(String),
    Date(NaiveDate),
    Int(i64),
}

/// SQL text with its `$n` arguments.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
}

/// `id IN (…)` over literal ids (numbers, so nothing to escape), or false when none.
fn id_in(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("id IN ({})", list.join(","))
}

fn not_in(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "1 = 1".into();
    }
    format!("NOT {}", id_in(ids))
}

/// Runs `$sql` (a [`Sql`]) as `$query` with its arguments bound, on `$pool`.
macro_rules! bound {
    ($query:expr, $sql:expr) => {{
        let mut q = $query;
        for a in &$sql.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Date(d) => q.bind(*d),
                Arg::Int(n) => q.bind(*n),
            };
        }
        q
    }};
}

impl Store {
    /// The findings a dismissal in force covers (误报), for the counts of one page.
    pub async fn dismissed(&self) -> Result<Dismissed> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            NaiveDate,
            Option<NaiveDate>,
            bool,
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT f.id, f.kind, \
                 CASE WHEN f.kind IN ('content_error', 'privacy_leak') THEN f.evidence ELSE '' END, \
                 d.hits, f.unit, f.opened_on, f.resolved_on, f.resolved_at IS NULL FROM findings f \
                 JOIN dismissals d ON d.kind = f.kind AND d.subject_key = f.subject_key \
                 WHERE d.undone_at IS NULL",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading dismissed findings"))?;
        let mut covered: BTreeMap<i64, Covered> = BTreeMap::new();
        for (id, kind, evidence, hits, unit, opened_on, resolved_on, open) in rows {
            if covered.contains_key(&id) {
                continue;
            }
            let Ok(kind) = kind.parse::<Kind>() else {
                continue;
            };
            if covers(kind, &evidence, &hits) {
                let units = unit_names(unit.as_deref());
                covered.insert(
                    id,
                    Covered {
                        id,
                        kind,
                        units,
                        open,
                        opened_on,
                        resolved_on,
                    },
                );
            }
        }
        Ok(Dismissed(covered.into_values().collect()))
    }

    /// The findings a dismissal in force covers (误报), by id.
    async fn dismissed_ids(&self) -> Result<Vec<i64>> {
        Ok(self.dismissed().await?.ids())
    }
}

/// Whether a dismissal with `hits` (JSON) covers a finding of `kind` with `evidence`
/// (JSON; read for the kinds whose hits tell one episode from another).
fn covers(kind: Kind, evidence: &str, hits: &str) -> bool {
    let hits: Vec<String> = serde_json::from_str(hits).unwrap_or_default();
    // Only these kinds' hits tell one episode from another (observe::hits_of).
    let episode_hits = match kind {
        Kind::ContentError | Kind::PrivacyLeak => {
            let value = serde_json::from_str(evidence).unwrap_or_default();
            let evidence = crate::observe::evidence::Evidence::from_json(kind, value).ok();
            hits_of(evidence.as_ref())
        }
        _ => Vec::new(),
    };
    let dismissal = crate::observe::Dismissal {
        id: 0,
        finding_id: 0,
        reason: String::new(),
        by: String::new(),
        at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        hits,
    };
    dismissal.covers(&episode_hits)
}

impl Store {
    /// The condition of `visibility`, `unit`, `kind`, `since` and `standing`.
    fn list_condition(sql: &mut Sql, q: &FindingQuery, dismissed: &[i64]) -> String {
        let mut cond = vec![visible_condition(sql, &q.visibility)];
        if let Some(unit) = &q.unit {
            let n = sql.arg(Arg::Text(unit.clone()));
            cond.push(format!(
                "id IN (SELECT finding_id FROM finding_units WHERE unit = {n})"
            ));
        }
        if let Some(kind) = q.kind {
            let n = sql.arg(Arg::Text(kind.code().into()));
            cond.push(format!("kind = {n}"));
        }
        if let Some(since) = q.since {
            let n = sql.arg(Arg::Date(since));
            cond.push(format!("(resolved_on IS NULL OR resolved_on > {n})"));
        }
        match q.standing {
            None => {}
            Some(Standing::Dismissed) => cond.push(id_in(dismissed)),
            Some(s) => {
                cond.push(not_in(dismissed));
                cond.push(match s {
                    Standing::Open => "resolved_at IS NULL".into(),
                    Standing::Overdue => {
                        let n = sql.arg(Arg::Date(q.overdue_before));
                        format!("resolved_at IS NULL AND opened_on < {n}")
                    }
                    Standing::Rectified => {
                        "resolved_at IS NOT NULL AND (resolution IS NULL OR resolution <> 'unwatched')"
                            .into()
                    }
                    Standing::Unwatched => {
                        "resolved_at IS NOT NULL AND resolution = 'unwatched'".into()
                    }
                    Standing::Dismissed => unreachable!("matched above"),
                });
            }
        }
        cond.join(" AND ")
    }

    /// Page `page` (from 1) of the findings `q` asks for, `size` a page: the matching
    /// findings counted and the page's read, both in SQL.
    ///
    /// Overdue findings come first, so the list is two segments read one after the
    /// other, each in an order its index gives without sorting everything: the overdue
    /// ones (few, open) and the rest. A page in the second half of a segment is read
    /// from its end, in reverse, so the last page costs what the first does.
    pub async fn finding_page(
        &self,
        q: &FindingQuery,
        page: u64,
        size: u64,
    ) -> Result<FindingPage> {
        let dismissed = self.dismissed_ids().await?;
        let total = self.count_segment(q, &dismissed, None).await?;
        let size = size.max(1);
        let pages = total.div_ceil(size).max(1);
        let page = page.clamp(1, pages);
        // The overdue ones: all of an overdue list, none of a closed or 误报 one.
        let overdue = match q.standing {
            Some(Standing::Overdue) => total,
            Some(Standing::Rectified | Standing::Unwatched | Standing::Dismissed) => 0,
            Some(Standing::Open) | None => self.count_segment(q, &dismissed, Some(true)).await?,
        };
        let rest = total.saturating_sub(overdue);
        let offset = (page - 1) * size;
        let mut ids = Vec::new();
        if offset < overdue {
            ids = self
                .read_segment(q, &dismissed, true, overdue, offset, size)
                .await?;
        }
        let want = size - ids.len() as u64;
        let rest_offset = offset.saturating_sub(overdue);
        if want > 0 && rest_offset < rest {
            let more = self
                .read_segment(q, &dismissed, false, rest, rest_offset, want)
                .await?;
            ids.extend(more);
        }
        let mut findings = self.findings_by_ids(&ids).await?;
        self.attach_dismissals(&mut findings).await?;
        Ok(FindingPage {
            total,
            page,
            pages,
            findings,
        })
    }

    /// The findings of `q` counted: all (`None`), the overdue ones or the others.
    async fn count_segment(
        &self,
        q: &FindingQuery,
        dismissed: &[i64],
        overdue: Option<bool>,
    ) -> Result<u64> {
        let mut sql = Sql::default();
        let mut cond = Self::list_condition(&mut sql, q, dismissed);
        if let Some(overdue) = overdue {
            cond = format!("{cond} AND {}", segment(&mut sql, q, dismissed, overdue));
        }
        sql.text = format!("SELECT COUNT(*) FROM findings WHERE {cond}");
        let (n,): (i64,) = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_one(pool)
                .await
        })
        .map_err(ctx("counting findings"))?;
        Ok(n.max(0) as u64)
    }

    /// `want` ids from `offset` of one segment (`count` long) in list order.
    async fn read_segment(
        &self,
        q: &FindingQuery,
        dismissed: &[i64],
        overdue: bool,
        count: u64,
        offset: u64,
        want: u64,
    ) -> Result<Vec<i64>> {
        let mut sql = Sql::default();
        let cond = Self::list_condition(&mut sql, q, dismissed);
        let seg = segment(&mut sql, q, dismissed, overdue);
        // From the end when that is nearer: rows [offset, offset + want) are, counted
        // from the end, [count - offset - want, count - offset).
        let reverse = offset + want / 2 > count / 2;
        let (limit, skip) = if reverse {
            let end = count.saturating_sub(offset);
            let start = end.saturating_sub(want);
            (end - start, start)
        } else {
            (want, offset)
        };
        // The sort terms, the last one `id` (ties).
        let terms: Vec<String> = match (q.order, overdue) {
            // The opening day first: the same order (a day is its opening time's), and
            // the open findings' index (findings_open_since) gives it without sorting.
            (ListOrder::Opened, true) => vec!["opened_on DESC".into(), "opened_at DESC".into()],
            (ListOrder::Opened, false) => vec!["opened_at DESC".into()],
            // Open: days open grow as the opening day goes back.
            (ListOrder::DaysOpen, true) => vec!["opened_on".into()],
            (ListOrder::DaysOpen, false) => {
                let today = sql.arg(Arg::Date(q.today));
                let days = match self.kind() {
                    Backend::Sqlite => {
                        format!("julianday(COALESCE(resolved_on, {today})) - julianday(opened_on)")
                    }
                    Backend::Postgres => format!("COALESCE(resolved_on, {today}) - opened_on"),
                };
                vec![format!("{days} DESC")]
            }
        };
        let order: Vec<String> = terms
            .into_iter()
            .chain(["id".to_string()])
            .map(|term| match (reverse, term.strip_suffix(" DESC")) {
                (false, _) => term,
                (true, Some(t)) => t.to_string(),
                (true, None) => format!("{term} DESC"),
            })
            .collect();
        let order = order.join(", ");
        let limit = sql.arg(Arg::Int(limit as i64));
        let skip = sql.arg(Arg::Int(skip as i64));
        sql.text = format!(
            "SELECT id FROM findings WHERE {cond} AND {seg} ORDER BY {order} \
             LIMIT {limit} OFFSET {skip}"
        );
        let rows: Vec<(i64,)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("listing a page of findings"))?;
        let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
        if reverse {
            ids.reverse();
        }
        Ok(ids)
    }

    /// The units of the findings `visibility` lets see, sorted.
    pub async fn finding_unit_names(&self, visibility: &Visibility) -> Result<Vec<String>> {
        let mut sql = Sql::default();
        sql.text = match visibility {
            // One index seek a unit (a loose index scan), not a pass over every row.
            Visibility::All => "WITH RECURSIVE u (name) AS (\
                 SELECT MIN(unit) FROM finding_units \
                 UNION ALL \
                 SELECT (SELECT MIN(unit) FROM finding_units WHERE unit > u.name) \
                 FROM u WHERE u.name IS NOT NULL) \
                 SELECT name FROM u WHERE name IS NOT NULL"
                .into(),
            Visibility::Unit(unit) => {
                let n = sql.arg(Arg::Text(unit.clone()));
                format!(
                    "SELECT DISTINCT unit FROM finding_units WHERE finding_id IN \
                     (SELECT finding_id FROM finding_units WHERE unit = {n})"
                )
            }
        };
        let rows: Vec<(String,)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("listing the units of findings"))?;
        let mut names: Vec<String> = rows.into_iter().map(|(u,)| u).collect();
        names.sort();
        Ok(names)
    }

    /// Whether finding `id` names `unit` (one of its 保障单位).
    pub async fn finding_names_unit(&self, id: i64, unit: &str) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT finding_id FROM finding_units WHERE finding_id = $1 AND unit = $2")
                .bind(id)
                .bind(unit)
                .fetch_optional(pool)
                .await
        })
        .map_err(ctx("reading a finding's units"))?;
        Ok(row.is_some())
    }

    /// The open findings `visibility` lets see, 误报 left out, counted by kind with
    /// GROUP BY, and the `listed` earliest opened of the `flagged` kinds (单项否决) read.
    pub async fn open_counts(
        &self,
        dismissed: &Dismissed,
        visibility: &Visibility,
        flagged: &[Kind],
        listed: usize,
    ) -> Result<OpenCounts> {
        let (by_kind, flagged) = tokio::try_join!(
            self.open_by_kind(visibility),
            self.open_flagged(dismissed, visibility, flagged, listed),
        )?;
        Ok(OpenCounts {
            by_kind: by_kind.less(dismissed),
            flagged,
        })
    }

    /// The open findings `visibility` lets see counted by kind with GROUP BY (an index
    /// of the open ones), 误报 still in: [`OpenByKind::less`] takes them out, so this
    /// read need not wait for [`Store::dismissed`].
    pub async fn open_by_kind(&self, visibility: &Visibility) -> Result<OpenByKind> {
        let mut sql = Sql::default();
        let cond = open_condition(&mut sql, visibility);
        sql.text = format!("SELECT kind, COUNT(*) FROM findings WHERE {cond} GROUP BY kind");
        let kinds: Vec<(String, i64)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("counting open findings by kind"))?;
        Ok(OpenByKind {
            visibility: visibility.clone(),
            counts: kinds
                .into_iter()
                .filter_map(|(k, n)| Some((k.parse::<Kind>().ok()?, n.max(0) as u64)))
                .collect(),
        })
    }

    /// The `listed` earliest opened of the open findings `visibility` lets see of the
    /// `flagged` kinds (单项否决), 误报 left out, in order of opening.
    pub async fn open_flagged(
        &self,
        dismissed: &Dismissed,
        visibility: &Visibility,
        flagged: &[Kind],
        listed: usize,
    ) -> Result<Vec<FindingRecord>> {
        // As many more as there are 误报 among them, taken out below.
        let gone: HashSet<i64> = dismissed
            .open_visible(visibility)
            .filter(|c| flagged.contains(&c.kind))
            .map(|c| c.id)
            .collect();
        let mut sql = Sql::default();
        let cond = open_condition(&mut sql, visibility);
        let kinds_in = kind_in(&mut sql, flagged);
        let limit = listed.saturating_add(gone.len());
        let limit = sql.arg(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        sql.text = format!(
            "SELECT id FROM findings WHERE {cond} AND {kinds_in} ORDER BY opened_at, id LIMIT {limit}"
        );
        let ids: Vec<(i64,)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("listing open findings of some kinds"))?;
        let ids: Vec<i64> = ids
            .into_iter()
            .map(|(id,)| id)
            .filter(|id| !gone.contains(id))
            .take(listed)
            .collect();
        self.findings_by_ids(&ids).await
    }
}

/// Open findings by kind, 误报 still in ([`Store::open_by_kind`]).
#[derive(Debug, Clone)]
pub struct OpenByKind {
    visibility: Visibility,
    counts: Vec<(Kind, u64)>,
}

impl OpenByKind {
    /// The counts without the open 误报 the same user sees; kinds left with none gone.
    pub fn less(self, dismissed: &Dismissed) -> Vec<(Kind, u64)> {
        let mut counts = self.counts;
        for c in dismissed.open_visible(&self.visibility) {
            if let Some((_, n)) = counts.iter_mut().find(|(k, _)| *k == c.kind) {
                *n = n.saturating_sub(1);
            }
        }
        counts.retain(|(_, n)| *n > 0);
        counts
    }
}

/// Open findings per unit, 误报 still in ([`Store::open_units`]).
#[derive(Debug, Clone)]
pub struct OpenUnits {
    visibility: Visibility,
    flagged: Vec<Kind>,
    counts: BTreeMap<String, (u64, u64)>,
}

impl OpenUnits {
    /// (unit, findings, of which of the flagged kinds) by name, without the open 误报
    /// the same user sees; units left with none gone.
    pub fn less(self, dismissed: &Dismissed) -> Vec<(String, u64, u64)> {
        let mut counts = self.counts;
        for gone in dismissed.open_visible(&self.visibility) {
            let is_flagged = self.flagged.contains(&gone.kind);
            let names = match gone.units.is_empty() {
                true => vec![String::new()],
                false => gone.units.clone(),
            };
            for name in names {
                if let Some(c) = counts.get_mut(&name) {
                    c.0 = c.0.saturating_sub(1);
                    c.1 = c.1.saturating_sub(u64::from(is_flagged));
                }
            }
        }
        counts
            .into_iter()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(u, (n, f))| (u, n, f))
            .collect()
    }
}

impl Store {
    /// The open findings `visibility` lets see per unit they name, 误报 left out:
    /// (unit, findings, of which of the `flagged` kinds), by name; those naming no unit
    /// under `""`. 总览's and 单位's tables.
    pub async fn open_per_unit(
        &self,
        dismissed: &Dismissed,
        visibility: &Visibility,
        flagged: &[Kind],
    ) -> Result<Vec<(String, u64, u64)>> {
        Ok(self.open_units(visibility, flagged).await?.less(dismissed))
    }

    /// [`Store::open_per_unit`]'s counts, 误报 still in: [`OpenUnits::less`] takes them
    /// out, so this read need not wait for [`Store::dismissed`]. A finding of several
    /// 保障单位 counts for each: the counts are `finding_units`' (an index of the open
    /// ones, which holds each finding's kind beside its units), and the findings
    /// without units those whose `unit` is NULL (the store keeps a text [`unit_names`]
    /// finds none in as NULL).
    pub async fn open_units(&self, visibility: &Visibility, flagged: &[Kind]) -> Result<OpenUnits> {
        let mut sql = Sql::default();
        let flagged_in = kind_in(&mut sql, flagged);
        let visible = match visibility {
            Visibility::All => "1 = 1".to_string(),
            Visibility::Unit(unit) => {
                let n = sql.arg(Arg::Text(unit.clone()));
                format!("finding_id IN (SELECT finding_id FROM finding_units WHERE unit = {n})")
            }
        };
        let unitless = match visibility {
            Visibility::All => format!(
                " UNION ALL SELECT '', COUNT(*), SUM(CASE WHEN {flagged_in} THEN 1 ELSE 0 END) \
                 FROM findings WHERE resolved_at IS NULL AND unit IS NULL"
            ),
            Visibility::Unit(_) => String::new(),
        };
        sql.text = format!(
            "SELECT unit, COUNT(*), SUM(CASE WHEN {flagged_in} THEN 1 ELSE 0 END) \
             FROM finding_units WHERE resolved_on IS NULL AND {visible} GROUP BY unit{unitless}"
        );
        let rows: Vec<(String, i64, Option<i64>)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("counting open findings per unit"))?;
        let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (unit, n, f) in rows {
            let c = counts.entry(unit).or_default();
            c.0 += n.max(0) as u64;
            c.1 += f.unwrap_or(0).max(0) as u64;
        }
        Ok(OpenUnits {
            visibility: visibility.clone(),
            flagged: flagged.to_vec(),
            counts,
        })
    }

    /// The new-media accounts' episodes open at any time after `since` and opened on or
    /// before `until` (naming `unit` when given), 误报 left out, about one of `subjects`
    /// or about a period of something (`KEY#2020-W03`: the caller tells whose), as their
    /// days only (no evidence read or parsed): 总览's pass rate.
    pub async fn account_episode_days(
        &self,
        dismissed: &Dismissed,
        since: NaiveDate,
        until: NaiveDate,
        unit: Option<&str>,
        subjects: &[String],
    ) -> Result<Vec<EpisodeDays>> {
        let dismissed = dismissed.ids();
        let mut sql = Sql::default();
        let kinds: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.is_account())
            .collect();
        let kinds_in = kind_in(&mut sql, &kinds);
        let since = sql.arg(Arg::Date(since));
        let until = sql.arg(Arg::Date(until));
        let visible = visible_condition(
            &mut sql,
            &unit.map_or(Visibility::All, |u| Visibility::Unit(u.to_string())),
        );
        let named: Vec<String> = subjects
            .iter()
            .map(|k| sql.arg(Arg::Text(k.clone())))
            .collect();
        let named = match named.is_empty() {
            true => "1 = 0".to_string(),
            false => format!("subject_key IN ({})", named.join(", ")),
        };
        sql.text = format!(
            "SELECT kind, subject_key, opened_on, resolved_on FROM findings \
             WHERE {kinds_in} AND (resolved_on IS NULL OR resolved_on > {since}) \
             AND opened_on <= {until} AND {visible} AND {} \
             AND ({named} OR subject_key LIKE '%#%')",
            not_in(&dismissed)
        );
        let rows: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = on_pool!(self, pool => {
            bound!(sqlx::query_as(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading the days of account findings"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, subject_key, opened_on, resolved_on)| {
                Some(EpisodeDays {
                    kind: kind.parse().ok()?,
                    subject_key,
                    opened_on,
                    resolved_on,
                })
            })
            .collect())
    }

    /// Every finding open at the end of each of `days` (in the order given: opened on or
    /// before the day, not resolved by it), 误报 left out: 总览's trend of the county.
    /// Counted back from today's: those open at the end of a day are those open now,
    /// less those opened after it, plus those resolved after it. Only the findings
    /// opened or resolved since the first day are grouped by day (index passes over the
    /// last weeks, rows never read), whatever the years of history.
    pub async fn county_open_trend(
        &self,
        dismissed: &Dismissed,
        days: &[NaiveDate],
    ) -> Result<Vec<u64>> {
        let Some(first) = days.iter().min() else {
            return Ok(Vec::new());
        };
        let after = |column: &'static str| async move {
            let text = format!(
                "SELECT {column}, COUNT(*) FROM findings WHERE {column} > $1 GROUP BY {column}"
            );
            let rows: Vec<(NaiveDate, i64)> = on_pool!(self, pool => {
                sqlx::query_as(AssertSqlSafe(text.as_str()))
                    .bind(*first)
                    .fetch_all(pool)
                    .await
            })
            .map_err(ctx("counting findings by day"))?;
            Ok::<_, super::StoreError>(rows)
        };
        let open_now = async {
            let (n,): (i64,) = on_pool!(self, pool => {
                sqlx::query_as("SELECT COUNT(*) FROM findings WHERE resolved_on IS NULL")
                    .fetch_one(pool)
                    .await
            })
            .map_err(ctx("counting open findings"))?;
            Ok::<_, super::StoreError>(n)
        };
        let (open_now, opened, resolved) =
            tokio::try_join!(open_now, after("opened_on"), after("resolved_on"))?;
        let later = |rows: &[(NaiveDate, i64)], day: NaiveDate| -> i64 {
            rows.iter().filter(|(d, _)| *d > day).map(|(_, n)| n).sum()
        };
        Ok(days
            .iter()
            .map(|day| {
                let gone = dismissed.0.iter().filter(|c| c.open_on(*day)).count() as i64;
                let open = open_now - later(&opened, *day) + later(&resolved, *day);
                (open - gone).max(0) as u64
            })
            .collect())
    }

    /// The findings naming each of `units` (`finding_units`) open at the end of each of
    /// `days` (in the order given), 误报 left out: 总览's trend of a few units. Each unit
    /// of `units` once, in their order, with zeros where none was open.
    pub async fn units_open_trend(
        &self,
        dismissed: &Dismissed,
        days: &[NaiveDate],
        units: &[String],
    ) -> Result<Vec<(String, Vec<u64>)>> {
        let Some(first) = days.iter().min() else {
            return Ok(units.iter().map(|u| (u.clone(), Vec::new())).collect());
        };
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::default();
        let sums: Vec<String> = days
            .iter()
            .map(|d| {
                let n = sql.arg(Arg::Date(*d));
                format!(
                    "SUM(CASE WHEN opened_on <= {n} AND \
                     (resolved_on IS NULL OR resolved_on > {n}) THEN 1 ELSE 0 END)"
                )
            })
            .collect();
        let first = sql.arg(Arg::Date(*first));
        let names: Vec<String> = units
            .iter()
            .map(|u| sql.arg(Arg::Text(u.clone())))
            .collect();
        // The days beside each unit (migration 0024): one index, no finding looked up.
        sql.text = format!(
            "SELECT unit, {} FROM finding_units \
             WHERE unit IN ({}) AND (resolved_on IS NULL OR resolved_on > {first}) \
             GROUP BY unit",
            sums.join(", "),
            names.join(", "),
        );
        let found: Vec<(String, Vec<Option<i64>>)> = on_pool!(self, pool => {
            bound!(sqlx::query(AssertSqlSafe(sql.text.as_str())), sql)
                .fetch_all(pool)
                .await
                .and_then(|rows| {
                    rows.iter()
                        .map(|r| {
                            use sqlx::Row;
                            let sums = (1..=days.len())
                                .map(|i| r.try_get::<Option<i64>, _>(i))
                                .collect::<std::result::Result<Vec<_>, _>>()?;
                            Ok((r.try_get::<String, _>(0)?, sums))
                        })
                        .collect()
                })
        })
        .map_err(ctx(
            "counting a unit's findings open at the end of each week",
        ))?;
        // 误报 taken out of the sums that counted them.
        let found: HashMap<String, Vec<u64>> = found
            .into_iter()
            .map(|(u, sums)| {
                let counts = sums.into_iter().zip(days).map(|(n, day)| {
                    let gone = dismissed
                        .0
                        .iter()
                        .filter(|c| c.units.contains(&u) && c.open_on(*day))
                        .count() as i64;
                    (n.unwrap_or(0) - gone).max(0) as u64
                });
                let counts: Vec<u64> = counts.collect();
                (u, counts)
            })
            .collect();
        let mut out: Vec<(String, Vec<u64>)> = Vec::new();
        for unit in units {
            if !out.iter().any(|(u, _)| u == unit) {
                let counts = found
                    .get(unit)
                    .cloned()
                    .unwrap_or_else(|| vec![0; days.len()]);
                out.push((unit.clone(), counts));
            }
        }
        Ok(out)
    }
}

/// The overdue findings (open, not 误报, opened before the cut-off), or the others.
fn segment(sql: &mut Sql, q: &FindingQuery, dismissed: &[i64], overdue: bool) -> String {
    let before = sql.arg(Arg::Date(q.overdue_before));
    if overdue {
        format!(
            "resolved_at IS NULL AND opened_on < {before} AND {}",
            not_in(dismissed)
        )
    } else {
        format!(
            "(resolved_at IS NOT NULL OR opened_on >= {before} OR {})",
            id_in(dismissed)
        )
    }
}

/// The condition of `visibility`.
fn visible_condition(sql: &mut Sql, visibility: &Visibility) -> String {
    match visibility {
        Visibility::All => "1 = 1".into(),
        Visibility::Unit(unit) => {
            let n = sql.arg(Arg::Text(unit.clone()));
            format!("id IN (SELECT finding_id FROM finding_units WHERE unit = {n})")
        }
    }
}

/// Open and visible (误报 included: the counts take them out, [`Dismissed`]).
fn open_condition(sql: &mut Sql, visibility: &Visibility) -> String {
    format!(
        "resolved_at IS NULL AND {}",
        visible_condition(sql, visibility)
    )
}

/// `kind IN (…)` over bound codes, or false when none.
fn kind_in(sql: &mut Sql, kinds: &[Kind]) -> String {
    if kinds.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = kinds
        .iter()
        .map(|k| sql.arg(Arg::Text(k.code().into())))
        .collect();
    format!("kind IN ({})", list.join(", "))
}

impl Store {
    /// The findings `ids`, in that order (unknown ids and kinds left out), without their
    /// dismissals.
    pub(super) async fn findings_by_ids(&self, ids: &[i64]) -> Result<Vec<FindingRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut records = self.finding_rows(&id_in(ids)).await?;
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        records.sort_by_key(|r| position.get(&r.id).copied().unwrap_or(usize::MAX));
        Ok(records)
    }
}
