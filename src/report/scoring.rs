//! Optional scoring (seed 004): a base score (基准分 300) plus configured points per
//! finding kind, per unit, ranked densely as the seed does (equal scores share a rank,
//! the next score takes the next rank: 278 → 11, 278 → 11, 266 → 12).

pub use crate::config::Scoring;

impl Scoring {
    /// Points for one episode of `kind`; 0 when not configured.
    pub fn points_for(&self, kind: &str) -> i64 {
        self.points.get(kind).copied().unwrap_or(0)
    }
}

/// Dense ranks for `scores`, higher first: equal scores share a rank and the next lower
/// score takes the next rank. Returned in the input's order.
pub fn dense_ranks(scores: &[i64]) -> Vec<u32> {
    let mut distinct: Vec<i64> = scores.to_vec();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    scores
        .iter()
        .map(|s| {
            distinct
                .iter()
                .position(|d| d == s)
                .map_or(0, |i| i as u32 + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_dense_as_in_seed_004() {
        let cases: &[(&[i64], &[u32])] = &[
            (&[], &[]),
            (&[300], &[1]),
            (&[290, 285, 283, 278, 278, 266], &[1, 2, 3, 4, 4, 5]),
            (&[266, 278, 278, 402], &[3, 2, 2, 1]),
            (&[300, 300, 300], &[1, 1, 1]),
            (&[-5, 0, -5], &[2, 1, 2]),
        ];
        for (scores, ranks) in cases {
            assert_eq!(dense_ranks(scores), *ranks, "{scores:?}");
        }
    }

    #[test]
    fn scoring_reads_from_toml() {
        let s: Scoring =
            toml::from_str("base = 300\n[points]\ncolumn_zero_publish = -8\n").unwrap();
        assert_eq!(s.base, 300);
        assert_eq!(s.points_for("column_zero_publish"), -8);
        assert_eq!(s.points_for("account_silent"), 0);
    }
}
