//! Site rules: unreachable (share of failed probes over the window, 单项否决 at 5%),
//! blocked by an anti-bot challenge (not down: the site's administrators must let the
//! monitor through), and home page not updated (首页不更新).

use super::{Context, Finding, Kind, more_than_days};
use crate::catalog::Site;
use crate::config::ProbeSettings;
use crate::observe::ReadOutcome;
use crate::observe::evidence::{Evidence, SiteBlocked, SiteHomeStale, SiteUnreachable};
use chrono::NaiveDate;

/// How one probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    Ok,
    Failed,
    /// An anti-bot challenge: counts neither as failed nor as passed.
    Blocked,
}

impl From<ReadOutcome> for ProbeResult {
    fn from(outcome: ReadOutcome) -> ProbeResult {
        if outcome == ReadOutcome::Ok {
            ProbeResult::Ok
        } else if outcome.is_blocked() {
            ProbeResult::Blocked
        } else {
            ProbeResult::Failed
        }
    }
}

/// What is known of one site on the day judged.
#[derive(Debug, Clone)]
pub struct SiteState<'a> {
    pub site: &'a Site,
    pub key: String,
    /// Probes in the window, with their local day, any order.
    pub probes: Vec<(NaiveDate, ProbeResult)>,
    /// Dates of the dated items on the home page at its latest successful read; `None`
    /// when the home page was never read.
    pub home_dates: Option<Vec<NaiveDate>>,
}

pub fn judge_sites(ctx: &Context, probe: &ProbeSettings, sites: &[SiteState]) -> Vec<Finding> {
    let mut out = Vec::new();
    for state in sites {
        let s = state.site;
        let unit = s.unit.clone();
        let window_start = ctx.today - chrono::Days::new(u64::from(probe.window_days.max(1)) - 1);
        let in_window: Vec<ProbeResult> = state
            .probes
            .iter()
            .filter(|(day, _)| window_start <= *day && *day <= ctx.today)
            .map(|(_, r)| *r)
            .collect();
        let failed = in_window
            .iter()
            .filter(|r| **r == ProbeResult::Failed)
            .count();
        let counted = in_window
            .iter()
            .filter(|r| **r != ProbeResult::Blocked)
            .count();
        // A single failed probe is never a finding, whatever the share.
        if failed >= 2 && counted > 0 && failed as f64 / counted as f64 >= probe.fail_share {
            out.push(Finding {
                kind: Kind::SiteUnreachable,
                subject_key: state.key.clone(),
                unit: unit.clone(),
                evidence: Evidence::SiteUnreachable(SiteUnreachable {
                    url: s.url.to_string(),
                    window_days: probe.window_days,
                    probes: counted,
                    failed,
                    fail_share: failed as f64 / counted as f64,
                }),
            });
        }

        let blocked_days = ctx.thresholds.site_blocked_days.max(1);
        let recent: Vec<ProbeResult> = state
            .probes
            .iter()
            .filter(|(day, _)| (ctx.today - *day).num_days() < blocked_days && *day <= ctx.today)
            .map(|(_, r)| *r)
            .collect();
        if !recent.is_empty() && recent.iter().all(|r| *r == ProbeResult::Blocked) {
            out.push(Finding {
                kind: Kind::SiteBlocked,
                subject_key: state.key.clone(),
                unit: unit.clone(),
                evidence: Evidence::SiteBlocked(SiteBlocked {
                    url: s.url.to_string(),
                    host: s.url.host_str().map(String::from),
                    blocked_probes: recent.len(),
                }),
            });
        }

        if let Some(dates) = &state.home_dates {
            let newest = dates.iter().filter(|d| **d <= ctx.today).max().copied();
            if let Some(last) = newest
                && more_than_days(last, ctx.today, ctx.thresholds.home_stale_days)
            {
                out.push(Finding {
                    kind: Kind::SiteHomeStale,
                    subject_key: state.key.clone(),
                    unit,
                    evidence: Evidence::SiteHomeStale(SiteHomeStale {
                        url: s.url.to_string(),
                        last_update: last,
                        days_since: (ctx.today - last).num_days(),
                    }),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Origin, SiteFetch};
    use crate::config::Thresholds;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn site() -> Site {
        Site {
            name: "某县人民政府".into(),
            url: "http://127.0.0.1:9/".parse().unwrap(),
            unit: Some("县政府办".into()),
            fetch: SiteFetch::default(),
            crawl_site: None,
            origin: Origin {
                file: "c.toml".into(),
                line: 1,
            },
        }
    }

    fn judge(
        probes: Vec<(NaiveDate, ProbeResult)>,
        home: Option<Vec<NaiveDate>>,
        today: NaiveDate,
    ) -> Vec<Kind> {
        let t = Thresholds::default();
        let ctx = Context {
            today,
            thresholds: &t,
        };
        let s = site();
        let state = SiteState {
            site: &s,
            key: "S".into(),
            probes,
            home_dates: home,
        };
        judge_sites(&ctx, &ProbeSettings::default(), &[state])
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    fn probes(
        day: NaiveDate,
        ok: usize,
        failed: usize,
        blocked: usize,
    ) -> Vec<(NaiveDate, ProbeResult)> {
        std::iter::repeat_n(ProbeResult::Ok, ok)
            .chain(std::iter::repeat_n(ProbeResult::Failed, failed))
            .chain(std::iter::repeat_n(ProbeResult::Blocked, blocked))
            .map(|r| (day, r))
            .collect()
    }

    #[test]
    fn unreachable_at_five_percent_of_failed_probes_and_never_for_one() {
        let table = [
            (probes(d(5, 1), 96, 4, 0), vec![]),                       // 4%
            (probes(d(5, 1), 95, 5, 0), vec![Kind::SiteUnreachable]),  // 5%
            (probes(d(5, 1), 0, 1, 0), vec![]),                        // one probe, 100%
            (probes(d(5, 1), 38, 2, 60), vec![Kind::SiteUnreachable]), // blocked left out: 2/40
            (probes(d(4, 20), 0, 50, 0), vec![]),                      // outside the window
        ];
        for (p, expect) in table {
            assert_eq!(judge(p.clone(), None, d(5, 2)), expect, "{p:?}");
        }
    }

    #[test]
    fn blocked_when_every_probe_of_the_day_is_a_challenge() {
        assert_eq!(
            judge(probes(d(5, 2), 0, 0, 48), None, d(5, 2)),
            vec![Kind::SiteBlocked]
        );
        assert_eq!(judge(probes(d(5, 2), 1, 0, 47), None, d(5, 2)), vec![]);
        assert_eq!(judge(vec![], None, d(5, 2)), vec![]);
    }

    #[test]
    fn home_page_stale_after_two_weeks() {
        let home = Some(vec![d(4, 1), d(4, 20)]);
        assert_eq!(judge(vec![], home.clone(), d(5, 4)), vec![]);
        assert_eq!(
            judge(vec![], home.clone(), d(5, 5)),
            vec![Kind::SiteHomeStale]
        );
        assert_eq!(
            judge(vec![], Some(vec![]), d(5, 5)),
            vec![],
            "no dates: cannot tell"
        );
    }

    #[test]
    fn a_blocked_probe_is_neither_failed_nor_passed() {
        let result = |code: &str| ProbeResult::from(code.parse::<ReadOutcome>().unwrap());
        assert_eq!(result("ok"), ProbeResult::Ok);
        assert_eq!(result("blocked"), ProbeResult::Blocked);
        assert_eq!(result("timeout"), ProbeResult::Failed);
        assert_eq!(result("http"), ProbeResult::Failed);
    }
}
