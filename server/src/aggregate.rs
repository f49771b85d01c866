//! From votes to a listing: the formula, as pure functions (documented in
//! `docs/protocol.md`, "Aggregation").
//!
//! Each device has one vote per number (its latest). A vote weighs 1 when cast and
//! halves every half-life. Votes are grouped by **origin**, the network they came from
//! (`origin.rs`): an origin weighs at most 1 on a number, however many devices voted
//! from it, so minted device ids add nothing. At the number's last activity T:
//!
//! - each origin o: W_o = sum of its votes' decayed weights, scaled by min(1, W_o) / W_o
//!   (one device: unchanged; ten devices on one network: one vote's worth, split in
//!   their proportions);
//! - S = scaled weight of spam votes, H = of "not spam" votes, R = origins with a spam
//!   vote (independent reporters);
//! - score = S - H (net spam votes);
//! - listed iff R >= min_reporters, score decayed to now >= list_threshold (less 0.1 %
//!   slack, so votes a few hours apart still add up to whole numbers), and the
//!   Wilson lower bound (95 %) of the spam share S / (S + H) >= min_confidence;
//! - category = the reportable category with the most spam weight (`unknown` only when
//!   no voter named one).
//!
//! S and H decay at the same rate, so the published (score at T, T) stays exact until a
//! new vote arrives, and the moment the listing lapses can be computed in advance.

use crate::rules::Rules;
use ringfence_core::number::{parse, Caller};
use ringfence_core::{Category, Region};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Vote {
    pub spam: bool,
    pub category: Category,
    /// Unix seconds the server received it.
    pub at: i64,
    /// The network it came from (`origin::Origin`); votes recorded before origins were
    /// each count as their own (storage gives them a per-device stand-in).
    pub origin: i64,
}

/// A number as it is listed.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Listing {
    pub category: Category,
    /// Net spam votes at `last_activity`.
    pub score: f64,
    pub last_activity: i64,
    /// When the decayed score falls below the threshold (i64::MAX: never).
    pub expires_at: i64,
}

/// Decay over a few hours (at the default half-life) must not make two votes count as
/// fewer than two: scores within this fraction below the threshold still pass.
pub const SLACK: f64 = 1e-3;

pub fn decay(weight: f64, age_secs: f64, half_life_secs: f64) -> f64 {
    if half_life_secs <= 0.0 {
        weight
    } else {
        weight * (-age_secs.max(0.0) / half_life_secs).exp2()
    }
}

/// Emergency numbers are never listed, whatever the votes (the API refuses them too).
/// The core's one emergency rule: `+cc` and an emergency number of any region of the
/// code (`+82112`, `+41117`), so it does not matter where the reporter is.
pub fn is_emergency(number: u64) -> bool {
    matches!(parse(&format!("+{number}"), Region::US), Caller::Number(n) if n.traits.emergency)
}

/// Lower bound of the 95 % Wilson score interval for `positive` out of `total`.
pub fn wilson_lower_bound(positive: f64, total: f64) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    let z = 1.96f64;
    let p = positive / total;
    let z2n = z * z / total;
    (p + z2n / 2.0 - z * (p * (1.0 - p) / total + z2n / (4.0 * total)).sqrt()) / (1.0 + z2n)
}

/// The listing `votes` earn at `now`, or `None`.
pub fn aggregate(votes: &[Vote], now: i64, rules: &Rules) -> Option<Listing> {
    let t = votes.iter().map(|v| v.at).max()?;
    let weight = |v: &Vote| decay(1.0, (t - v.at) as f64, rules.half_life_secs);
    // Each origin's total weight at T, and whether it has a spam vote.
    let mut origins: BTreeMap<i64, (f64, bool)> = BTreeMap::new();
    for v in votes {
        let o = origins.entry(v.origin).or_default();
        o.0 += weight(v);
        o.1 |= v.spam;
    }
    let r = origins.values().filter(|(_, spam)| *spam).count() as u32;
    let (mut s, mut h) = (0.0, 0.0);
    let mut by_category: BTreeMap<Category, f64> = BTreeMap::new();
    for v in votes {
        let total = origins.get(&v.origin).map_or(1.0, |o| o.0);
        let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
        let w = weight(v) * scale;
        if v.spam {
            s += w;
            *by_category.entry(v.category).or_default() += w;
        } else {
            h += w;
        }
    }
    let score = s - h;
    let now_score = decay(score, (now - t) as f64, rules.half_life_secs);
    let threshold = rules.list_threshold * (1.0 - SLACK);
    if r < rules.min_reporters || now_score < threshold || wilson_lower_bound(s, s + h) < rules.min_confidence {
        return None;
    }
    let named = by_category.iter().filter(|(c, _)| **c != Category::Unknown);
    let category = named
        .fold(None::<(Category, f64)>, |best, (c, w)| match best {
            Some((_, bw)) if bw >= *w => best,
            _ => Some((*c, *w)),
        })
        .map_or(Category::Unknown, |(c, _)| c);
    let expires_at = if rules.half_life_secs <= 0.0 {
        i64::MAX
    } else {
        // score * 2^(-(x - t)/hl) = threshold  <=>  x = t + hl * log2(score / threshold)
        let secs = rules.half_life_secs * (score / threshold).log2();
        t.saturating_add(secs.ceil().min(1e15) as i64)
    };
    Some(Listing { category, score, last_activity: t, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each test vote from its own network unless said otherwise.
    fn spam(c: Category, at: i64) -> Vote {
        Vote { spam: true, category: c, at, origin: next_origin() }
    }

    fn ham(at: i64) -> Vote {
        Vote { spam: false, category: Category::Unknown, at, origin: next_origin() }
    }

    fn next_origin() -> i64 {
        use std::sync::atomic::{AtomicI64, Ordering};
        static N: AtomicI64 = AtomicI64::new(1);
        N.fetch_add(1, Ordering::Relaxed)
    }

    #[test]
    fn needs_enough_distinct_reporters() {
        let rules = Rules::default();
        let two = [spam(Category::Scam, 0), spam(Category::Scam, 10)];
        assert_eq!(aggregate(&two, 10, &rules), None);
        let three = [spam(Category::Scam, 0), spam(Category::Scam, 10), spam(Category::Robocall, 20)];
        let l = aggregate(&three, 20, &rules).unwrap();
        assert_eq!((l.category, l.last_activity), (Category::Scam, 20));
        assert!((l.score - 3.0).abs() < 1e-3);
    }

    #[test]
    fn not_spam_votes_and_time_pull_it_out() {
        let rules = Rules::default();
        let mut v = vec![spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Unknown, 0)];
        assert!(aggregate(&v, 0, &rules).is_some());
        v.push(ham(0));
        v.push(ham(0));
        assert_eq!(aggregate(&v, 0, &rules), None, "3 - 2 = 1 is below the threshold");
        v.truncate(3);
        let l = aggregate(&v, 0, &rules).unwrap();
        let hl = rules.half_life_secs as i64;
        // 3 halves to 1.5 after one half-life: below 2.
        assert!(aggregate(&v, hl, &rules).is_none());
        assert!(aggregate(&v, l.expires_at - 1, &rules).is_some());
        assert!(aggregate(&v, l.expires_at + 1, &rules).is_none());
    }

    #[test]
    fn a_split_vote_is_not_confident() {
        let rules = Rules { list_threshold: 1.0, ..Rules::default() };
        let mut v: Vec<Vote> = (0..6).map(|_| spam(Category::Scam, 0)).collect();
        v.extend((0..4).map(|_| ham(0)));
        // net 2 >= 1, but 6 of 10 is not a confident majority.
        assert!(wilson_lower_bound(6.0, 10.0) < 0.32);
        assert_eq!(aggregate(&v, 0, &Rules { min_confidence: 0.4, ..rules }), None);
    }

    #[test]
    fn devices_minted_on_one_network_are_one_reporter() {
        let rules = Rules::default();
        let sybil: Vec<Vote> =
            (0..1000).map(|i| Vote { spam: true, category: Category::Scam, at: i, origin: 7 }).collect();
        assert_eq!(aggregate(&sybil, 1000, &rules), None, "a thousand devices, one network");
        // Two networks: still two reporters, a score of 2 at most.
        let mut two = sybil.clone();
        two.extend((0..1000).map(|i| Vote { spam: true, category: Category::Scam, at: i, origin: 8 }));
        assert_eq!(aggregate(&two, 1000, &rules), None);
        // A third, independent reporter lists it, with the score of three.
        two.push(spam(Category::Robocall, 1000));
        let l = aggregate(&two, 1000, &rules).unwrap();
        assert!((l.score - 3.0).abs() < 1e-3, "{l:?}");
        assert_eq!(l.category, Category::Scam, "the category weighs networks, not devices");
    }

    #[test]
    fn honest_users_behind_one_nat_count_once_and_are_not_lost() {
        let rules = Rules::default();
        let office: Vec<Vote> =
            (0..5).map(|_| Vote { spam: true, category: Category::Telemarketing, at: 0, origin: 42 }).collect();
        assert_eq!(aggregate(&office, 0, &rules), None, "one network is one reporter");
        let mut with_others = office.clone();
        with_others.push(spam(Category::Telemarketing, 0));
        with_others.push(spam(Category::Telemarketing, 0));
        let l = aggregate(&with_others, 0, &rules).unwrap();
        assert!((l.score - 3.0).abs() < 1e-9);
        // A NAT split 3 spam / 2 not spam is 0.6 of a spam vote and 0.4 of a not-spam vote.
        let mut split: Vec<Vote> =
            (0..3).map(|_| Vote { spam: true, category: Category::Scam, at: 0, origin: 9 }).collect();
        split.extend((0..2).map(|_| Vote { spam: false, category: Category::Unknown, at: 0, origin: 9 }));
        split.extend([spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Scam, 0)]);
        let l = aggregate(&split, 0, &rules).unwrap();
        assert!((l.score - (3.0 + 0.6 - 0.4)).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn minted_not_spam_votes_cannot_delist_either() {
        let rules = Rules::default();
        let mut v = vec![spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Scam, 0)];
        v.extend((0..1000).map(|_| Vote { spam: false, category: Category::Unknown, at: 0, origin: 5 }));
        let l = aggregate(&v, 0, &rules).unwrap();
        assert!((l.score - 2.0).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn one_vote_per_network_decays_as_before() {
        // Weights are capped at T, then the score decays as one number: the published
        // (score at T, T) stays exact until the next vote, as phones assume.
        let rules = Rules::default();
        let hl = rules.half_life_secs as i64;
        let v = [spam(Category::Scam, 0), spam(Category::Scam, hl), spam(Category::Scam, hl)];
        let l = aggregate(&v, hl, &rules).unwrap();
        assert!((l.score - 2.5).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn emergency_numbers_of_every_country() {
        for n in [82112u64, 82119, 1911, 86110, 86120, 49112, 44999, 41117, 47113, 48999, 43144, 2710111, 66191] {
            assert!(is_emergency(n), "+{n}");
        }
        for n in [821012345678u64, 15551234567, 8615881234567] {
            assert!(!is_emergency(n), "+{n}");
        }
    }

    #[test]
    fn wilson_bounds() {
        assert_eq!(wilson_lower_bound(0.0, 0.0), 0.0);
        assert!((wilson_lower_bound(3.0, 3.0) - 0.438).abs() < 0.01);
        assert!(wilson_lower_bound(100.0, 100.0) > 0.95);
    }
}
