//! From votes to a listing: the formula, as pure functions (documented, with the attack
//! each part answers, in `docs/protocol.md`, "Aggregation").
//!
//! Each device has one vote per number (its latest), counted under its device's **home
//! network** (`origin.rs`: the network of its first batch, which no later request moves)
//! and weighing its device's **trust** when cast (`DeviceRules::trust`: little for a
//! device the server has just met). At T, the time of the newest *spam* vote:
//!
//! - a vote's weight w = trust, decayed from its time to T (a vote cast after T, which
//!   can only be "not spam", is not decayed: it counts as at T, never as fresher);
//! - **reporters**: the voters' home networks, joined where a device links its IPv4 and
//!   IPv6 homes (`reporters`); a reporter weighs at most its strongest vote: its votes
//!   are scaled by min(1, max w / sum w), so minted devices on one network add nothing;
//! - S = the scaled weight of spam votes, H = of "not spam" votes, both at T; R = the
//!   reporters with a spam vote;
//! - confidence = the Wilson lower bound (95 %) of the spam share S / (S + H);
//! - **blocking** evidence: S >= block_score and confidence >= block_confidence; the
//!   published score is then S, otherwise min(S, warn_cap): phones warn, never block;
//! - **listed** iff R >= min_reporters, confidence >= min_confidence, and the score
//!   decayed from T to now >= list_threshold (less 0.1 % slack, so votes a few hours
//!   apart still add up to whole numbers);
//! - category = the reportable category with the most spam weight (`unknown` only when
//!   no voter named one).
//!
//! "Not spam" lowers the confidence instead of being subtracted from a score that has
//! decayed since: to remove a listing it takes about as many reporters as the spam votes
//! had, weighed at the same moment. Everything is a function of the votes up to T, so the
//! published (score at T, T) stays exact until a new vote arrives, and the moment the
//! listing lapses can be computed in advance.

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
    /// The device's home network (`origin::Origin`); votes recorded before origins were,
    /// or counted by device, each count as their own (storage gives them a per-device
    /// stand-in).
    pub origin: i64,
    /// The device's home network of the other IP family (0: none yet): the two are one
    /// reporter.
    pub link: i64,
    /// How long the server had known the device when it cast the vote (seconds).
    pub device_age: i64,
    /// The device's reports that others confirmed (numbers it reported that got listed).
    pub confirmed: i64,
}

impl Vote {
    /// A vote of a device with a full history, counted under `origin` alone.
    pub fn established(spam: bool, category: Category, at: i64, origin: i64) -> Vote {
        Vote { spam, category, at, origin, link: 0, device_age: i64::MAX / 4, confirmed: 0 }
    }
}

/// A number as it is listed.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Listing {
    pub category: Category,
    /// Spam evidence at `last_activity`, below `Rules::block_score` unless it may block.
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

/// The reporter of each vote (an index, equal for votes of one reporter): votes whose
/// devices share a home network, directly or through a device that links its IPv4 and
/// IPv6 homes, are one reporter. Joined among this number's voters only, so a phone that
/// once linked its home to a carrier's network joins nobody else's votes on other numbers.
pub fn reporters(votes: &[Vote]) -> Vec<usize> {
    // Union-find over the networks named by origin and link.
    let mut ids: BTreeMap<i64, usize> = BTreeMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut id = |n: i64, parent: &mut Vec<usize>| {
        *ids.entry(n).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let nodes: Vec<usize> = votes
        .iter()
        .map(|v| {
            let a = id(v.origin, &mut parent);
            if v.link != 0 && v.link != v.origin {
                let b = id(v.link, &mut parent);
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
            a
        })
        .collect();
    nodes.into_iter().map(|n| find(&mut parent, n)).collect()
}

/// The reporters with a spam vote from a device of full weight: a listing that has
/// `min_reporters` of them confirms its reporters' reports (`rules::DeviceRules`), so that
/// new devices listing a number together do not earn each other's trust.
pub fn established_reporters(votes: &[Vote], rules: &Rules) -> u32 {
    let who = reporters(votes);
    let mut established: Vec<usize> = votes
        .iter()
        .zip(&who)
        .filter(|(v, _)| v.spam && rules.devices.trust(v.device_age, v.confirmed) >= 1.0)
        .map(|(_, r)| *r)
        .collect();
    established.sort_unstable();
    established.dedup();
    established.len() as u32
}

/// The listing `votes` earn at `now`, or `None`.
pub fn aggregate(votes: &[Vote], now: i64, rules: &Rules) -> Option<Listing> {
    let t = votes.iter().filter(|v| v.spam).map(|v| v.at).max()?;
    let hl = rules.half_life_secs;
    let weights: Vec<f64> = votes
        .iter()
        .map(|v| rules.devices.trust(v.device_age, v.confirmed) * decay(1.0, (t - v.at) as f64, hl))
        .collect();
    // Each reporter's total weight, its strongest vote, and whether it says spam.
    let who = reporters(votes);
    let mut by_reporter: BTreeMap<usize, (f64, f64, bool)> = BTreeMap::new();
    for ((v, w), r) in votes.iter().zip(&weights).zip(&who) {
        let e = by_reporter.entry(*r).or_default();
        e.0 += w;
        e.1 = e.1.max(*w);
        e.2 |= v.spam;
    }
    let r = by_reporter.values().filter(|(_, _, spam)| *spam).count() as u32;
    let (mut s, mut h) = (0.0, 0.0);
    let mut by_category: BTreeMap<Category, f64> = BTreeMap::new();
    for ((v, w), who) in votes.iter().zip(&weights).zip(&who) {
        let (total, strongest, _) = by_reporter[who];
        let w = if total > strongest { w * strongest / total } else { *w };
        if v.spam {
            s += w;
            *by_category.entry(v.category).or_default() += w;
        } else {
            h += w;
        }
    }
    let confidence = wilson_lower_bound(s, s + h);
    let blocks = s >= rules.block_score * (1.0 - SLACK) && confidence >= rules.block_confidence;
    let score = if blocks { s } else { s.min(rules.warn_cap()) };
    let threshold = rules.list_threshold * (1.0 - SLACK);
    if r < rules.min_reporters || confidence < rules.min_confidence || decay(score, (now - t) as f64, hl) < threshold {
        return None;
    }
    let named = by_category.iter().filter(|(c, _)| **c != Category::Unknown);
    let category = named
        .fold(None::<(Category, f64)>, |best, (c, w)| match best {
            Some((_, bw)) if bw >= *w => best,
            _ => Some((*c, *w)),
        })
        .map_or(Category::Unknown, |(c, _)| c);
    let expires_at = if hl <= 0.0 {
        i64::MAX
    } else {
        // score * 2^(-(x - t)/hl) = threshold  <=>  x = t + hl * log2(score / threshold)
        let secs = hl * (score / threshold).log2();
        t.saturating_add(secs.ceil().min(1e15) as i64)
    };
    Some(Listing { category, score, last_activity: t, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    /// Each test vote from an established device on its own network unless said otherwise.
    fn spam(c: Category, at: i64) -> Vote {
        Vote::established(true, c, at, next_origin())
    }

    fn ham(at: i64) -> Vote {
        Vote::established(false, Category::Unknown, at, next_origin())
    }

    fn on(origin: i64, spam: bool, at: i64) -> Vote {
        Vote::established(spam, Category::Scam, at, origin)
    }

    fn next_origin() -> i64 {
        use std::sync::atomic::{AtomicI64, Ordering};
        static N: AtomicI64 = AtomicI64::new(1_000);
        N.fetch_add(1, Ordering::Relaxed)
    }

    fn score(l: Option<Listing>) -> f64 {
        l.map_or(0.0, |l| l.score)
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
    fn warning_takes_three_networks_and_blocking_five_that_agree() {
        let rules = Rules::default();
        let mut v: Vec<Vote> = (0..4).map(|_| spam(Category::Scam, 0)).collect();
        assert!((score(aggregate(&v, 0, &rules)) - 4.0).abs() < 1e-9);
        v.push(spam(Category::Scam, 0));
        assert_eq!(score(aggregate(&v, 0, &rules)), 5.0, "five, undisputed: phones block");
        v.push(ham(0));
        assert_eq!(score(aggregate(&v, 0, &rules)), 4.75, "five against one: phones warn, below 5");
        v.extend((0..5).map(|_| spam(Category::Scam, 0)));
        assert_eq!(score(aggregate(&v, 0, &rules)), 10.0, "ten against one: blocked again");
    }

    #[test]
    fn not_spam_is_weighed_at_the_moment_of_the_spam_evidence() {
        let rules = Rules::default();
        let hl = rules.half_life_secs as i64;
        // Five networks 1.2 half-lives ago: 5 x 2^-1.2 = 2.18 now, still listed.
        let old: Vec<Vote> = (0..5).map(|_| spam(Category::Scam, 0)).collect();
        let now = hl * 6 / 5;
        assert!(aggregate(&old, now, &rules).is_some());
        // One network says "not spam" now: it counts as one vote at the spam's time, not
        // as a fresh vote against decayed ones (2.18 - 1 < 2 listed nothing).
        let mut v = old.clone();
        v.push(ham(now));
        let l = aggregate(&v, now, &rules).expect("one against five stays listed");
        assert_eq!((l.score, l.last_activity), (4.75, 0), "but no longer blocks");
        v.extend((0..4).map(|_| ham(now)));
        assert_eq!(aggregate(&v, now, &rules), None, "five against five");
        // Older "not spam" votes decay like spam votes.
        let mut v = old.clone();
        v.extend((0..5).map(|_| ham(-10 * hl)));
        assert!(aggregate(&v, 0, &rules).is_some(), "five votes from ten half-lives before");
    }

    #[test]
    fn time_pulls_it_out() {
        let rules = Rules::default();
        let v = vec![spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Unknown, 0)];
        let l = aggregate(&v, 0, &rules).unwrap();
        let hl = rules.half_life_secs as i64;
        // 3 halves to 1.5 after one half-life: below 2.
        assert!(aggregate(&v, hl, &rules).is_none());
        assert!(aggregate(&v, l.expires_at - 1, &rules).is_some());
        assert!(aggregate(&v, l.expires_at + 1, &rules).is_none());
        assert_eq!(aggregate(&[ham(0), ham(0), ham(0)], 0, &rules), None, "no spam vote, no listing");
    }

    #[test]
    fn a_split_vote_is_not_confident() {
        let rules = Rules { list_threshold: 1.0, ..Rules::default() };
        let mut v: Vec<Vote> = (0..6).map(|_| spam(Category::Scam, 0)).collect();
        v.extend((0..4).map(|_| ham(0)));
        // 6 of 10 is not a confident majority.
        assert!(wilson_lower_bound(6.0, 10.0) < 0.32);
        assert_eq!(aggregate(&v, 0, &Rules { min_confidence: 0.4, ..rules }), None);
    }

    #[test]
    fn devices_minted_on_one_network_are_one_reporter() {
        let rules = Rules::default();
        let sybil: Vec<Vote> = (0..1000).map(|i| on(7, true, i)).collect();
        assert_eq!(aggregate(&sybil, 1000, &rules), None, "a thousand devices, one network");
        // Two networks: still two reporters, a score of 2 at most.
        let mut two = sybil.clone();
        two.extend((0..1000).map(|i| on(8, true, i)));
        assert_eq!(aggregate(&two, 1000, &rules), None);
        // A third, independent reporter lists it, with the score of three.
        two.push(spam(Category::Robocall, 1000));
        let l = aggregate(&two, 1000, &rules).unwrap();
        assert!((l.score - 3.0).abs() < 1e-3, "{l:?}");
        assert_eq!(l.category, Category::Scam, "the category weighs networks, not devices");
    }

    #[test]
    fn new_devices_weigh_little_however_many_networks_they_use() {
        let rules = Rules { devices: crate::rules::DeviceRules::RECOMMENDED, ..Rules::default() };
        let new = |origin: i64| Vote { device_age: 0, ..on(origin, true, 0) };
        let ten: Vec<Vote> = (0..10).flat_map(|o| (0..50).map(move |_| new(o))).collect();
        assert_eq!(aggregate(&ten, 0, &rules), None, "ten networks of 50 new devices: 1.0 in all");
        let twenty: Vec<Vote> = (0..20).map(new).collect();
        assert!((score(aggregate(&twenty, 0, &rules)) - 2.0).abs() < 1e-9, "twenty networks warn");
        // A month old, or three confirmed reports: full weight.
        let aged: Vec<Vote> = (0..3).map(|o| Vote { device_age: 30 * DAY, ..new(o) }).collect();
        assert!((score(aggregate(&aged, 0, &rules)) - 3.0).abs() < 1e-9);
        let confirmed: Vec<Vote> = (0..3).map(|o| Vote { confirmed: 3, ..new(o) }).collect();
        assert!((score(aggregate(&confirmed, 0, &rules)) - 3.0).abs() < 1e-9);
        // An established device on a network of new ones: the network weighs 1.
        let mut mixed: Vec<Vote> = (0..5).map(|_| new(9)).collect();
        mixed.push(on(9, true, 0));
        mixed.extend([spam(Category::Scam, 0), spam(Category::Scam, 0)]);
        assert!((score(aggregate(&mixed, 0, &rules)) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_devices_ipv4_and_ipv6_homes_are_one_reporter() {
        let rules = Rules::default();
        let (v4, v6, other_v4) = (11, 12, 13);
        let linked = |origin: i64, link: i64| Vote { link, ..on(origin, true, 0) };
        // Three devices of one dual-stack host, each seen on two of its networks.
        let host = [linked(v4, v6), linked(v6, other_v4), on(other_v4, true, 0)];
        assert_eq!(reporters(&host).iter().collect::<std::collections::BTreeSet<_>>().len(), 1);
        assert_eq!(aggregate(&host, 0, &rules), None);
        // Without the links they were three.
        let apart = [on(v4, true, 0), on(v6, true, 0), on(other_v4, true, 0)];
        assert!(aggregate(&apart, 0, &rules).is_some());
        // Links join only this number's voters: a link to a network nobody else voted
        // from joins nothing.
        let others = [linked(21, 99), linked(22, 98), on(23, true, 0)];
        assert!(aggregate(&others, 0, &rules).is_some());
    }

    #[test]
    fn honest_users_behind_one_nat_count_once_and_are_not_lost() {
        let rules = Rules::default();
        let office: Vec<Vote> = (0..5).map(|_| Vote { category: Category::Telemarketing, ..on(42, true, 0) }).collect();
        assert_eq!(aggregate(&office, 0, &rules), None, "one network is one reporter");
        let mut with_others = office.clone();
        with_others.push(spam(Category::Telemarketing, 0));
        with_others.push(spam(Category::Telemarketing, 0));
        let l = aggregate(&with_others, 0, &rules).unwrap();
        assert!((l.score - 3.0).abs() < 1e-9);
        // A NAT split 3 spam / 2 not spam is 0.6 of a spam vote and 0.4 of a not-spam vote.
        let mut split: Vec<Vote> = (0..3).map(|_| on(9, true, 0)).collect();
        split.extend((0..2).map(|_| on(9, false, 0)));
        split.extend([spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Scam, 0)]);
        let l = aggregate(&split, 0, &rules).unwrap();
        assert!((l.score - 3.6).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn minted_not_spam_votes_cannot_delist_either() {
        let rules = Rules::default();
        let mut v = vec![spam(Category::Scam, 0), spam(Category::Scam, 0), spam(Category::Scam, 0)];
        v.extend((0..1000).map(|_| on(5, false, 0)));
        let l = aggregate(&v, 0, &rules).unwrap();
        assert!((l.score - 3.0).abs() < 1e-9, "{l:?}");
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
