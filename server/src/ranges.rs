//! Spam ranges: blocks of consecutive numbers with many listed members, as pure functions
//! (documented in `docs/protocol.md`, "Aggregation", "Ranges").
//!
//! Spammers rotate through consecutive numbers. A /10 block (the numbers n with the same
//! n / 10) is a range when at least `min10` of its numbers are members (listed by their own
//! votes, `aggregate.rs`); a /100 block is a range when at least `min100` of its ten /10
//! blocks are. A range is published by expanding it: each of its numbers that is not a
//! member is listed as an ordinary entry, so neither the wire format nor the phones change.
//!
//! A range number is as strong as its range: the `min10`-th strongest member of a ten
//! (for a hundred, the `min100`-th strongest of its tens), as of the range's newest
//! activity. Evidence decays at one rate everywhere, so that score falls to the list
//! threshold exactly when the member holding the range up lapses, which is when the
//! server recomputes the block and the range goes. Nobody reported a range number, so
//! phones only warn of it: its score stays below `block_score` unless `block10` members
//! of its own ten are blocked themselves (a ten that is nearly all spam).

use crate::aggregate::{decay, Listing, SLACK};
use crate::rules::RangeRules;
use ringfence_core::Category;
use std::collections::BTreeMap;

/// A member as it is published.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Member {
    pub number: u64,
    pub category: Category,
    /// Its score at `last_activity`, as published.
    pub score: f64,
    pub last_activity: i64,
}

/// The numbers the ranges among `members` publish, ascending, each with its listing:
/// the most frequent category of the range's members (ties: the lowest code), the
/// range's strength (module docs; never below `floor`, the list threshold; below
/// `rules.block_score` unless its ten may block), the newest
/// member's `last_activity`, and no lapse of its own (a range is recomputed
/// whenever one of its members changes or lapses). Members themselves are left out (they
/// keep their own listing), and so is every number `publishable` refuses (emergency
/// numbers, keys that are not E.164).
pub fn expand(
    members: &[Member],
    rules: &RangeRules,
    half_life_secs: f64,
    floor: f64,
    publishable: impl Fn(u64) -> bool,
) -> Vec<(u64, Listing)> {
    if rules.min10 == 0 {
        return Vec::new();
    }
    let mut by_ten: BTreeMap<u64, Vec<Member>> = BTreeMap::new();
    for m in members {
        by_ten.entry(m.number / 10).or_default().push(*m);
    }
    // Duplicates (not expected) count once.
    for ms in by_ten.values_mut() {
        ms.sort_by_key(|m| m.number);
        ms.dedup_by_key(|m| m.number);
    }
    let qualifying: Vec<u64> =
        by_ten.iter().filter(|(_, ms)| ms.len() >= rules.min10 as usize).map(|(ten, _)| *ten).collect();
    let mut hundreds: BTreeMap<u64, u32> = BTreeMap::new();
    for ten in &qualifying {
        *hundreds.entry(ten / 10).or_default() += 1;
    }
    // Each range as (first number, how many numbers, its members, its strength at the
    // newest member's activity, that time).
    let mut ranges: Vec<(u64, u64, Vec<Member>, f64, i64)> = Vec::new();
    let newest = |ms: &[Member]| ms.iter().map(|m| m.last_activity).max().unwrap_or(0);
    let ten_strength = |ms: &[Member], at: i64| {
        kth_highest(ms.iter().map(|m| decay(m.score, (at - m.last_activity) as f64, half_life_secs)), rules.min10)
    };
    for (hundred, tens) in &hundreds {
        let in_hundred = || qualifying.iter().filter(|t| *t / 10 == *hundred);
        if rules.min100 > 0 && *tens >= rules.min100 {
            let ms: Vec<Member> =
                by_ten.range(hundred * 10..hundred * 10 + 10).flat_map(|(_, ms)| ms.iter().copied()).collect();
            let at = newest(&ms);
            let strength = kth_highest(in_hundred().map(|t| ten_strength(&by_ten[t], at)), rules.min100);
            ranges.push((hundred * 100, 100, ms, strength, at));
        } else {
            for ten in in_hundred() {
                let ms = &by_ten[ten];
                let at = newest(ms);
                ranges.push((ten * 10, 10, ms.clone(), ten_strength(ms, at), at));
            }
        }
    }
    // A ten whose unreported numbers may be blocked: `block10` of its members are, at `at`.
    let block_at = rules.block_score * (1.0 - SLACK);
    let blocks = |ten: u64, at: i64| {
        rules.block10 > 0
            && by_ten.get(&ten).is_some_and(|ms| {
                let blocked =
                    ms.iter().filter(|m| decay(m.score, (at - m.last_activity) as f64, half_life_secs) >= block_at);
                blocked.count() >= rules.block10 as usize
            })
    };
    let warn_cap = crate::rules::warn_cap(rules.block_score);
    let mut out = Vec::new();
    for (first, len, ms, strength, at) in ranges {
        let Some(listing) = range_listing(&ms, strength.max(floor)) else { continue };
        let warned = Listing { score: listing.score.min(warn_cap).max(floor.min(warn_cap)), ..listing };
        let mut member_numbers = ms.iter().map(|m| m.number).peekable();
        for number in first..first.saturating_add(len) {
            // `ms` is ascending, like `number`.
            while member_numbers.next_if(|m| *m < number).is_some() {}
            if member_numbers.next_if_eq(&number).is_some() || !publishable(number) {
                continue;
            }
            out.push((number, if blocks(number / 10, at) { listing } else { warned }));
        }
    }
    out
}

/// The `k`-th highest of `scores` (1: the highest); 0 if there are fewer.
fn kth_highest(scores: impl Iterator<Item = f64>, k: u32) -> f64 {
    let mut v: Vec<f64> = scores.collect();
    v.sort_by(|a, b| b.total_cmp(a));
    v.get((k.max(1) - 1) as usize).copied().unwrap_or(0.0)
}

/// The listing of every non-member number of a range with members `ms`.
fn range_listing(ms: &[Member], score: f64) -> Option<Listing> {
    let last_activity = ms.iter().map(|m| m.last_activity).max()?;
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for m in ms {
        *counts.entry(m.category.code()).or_default() += 1;
    }
    // Ascending codes: on a tie the first (lowest) code stays.
    let (code, _) = counts.iter().fold((0u8, 0usize), |best, (c, n)| if *n > best.1 { (*c, *n) } else { best });
    let category = Category::from_code(code).unwrap_or(Category::Unknown);
    Some(Listing { category, score, last_activity, expires_at: i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(number: u64, category: Category, last_activity: i64) -> Member {
        Member { number, category, score: 2.0, last_activity }
    }

    fn any(_: u64) -> bool {
        true
    }

    const BASE: u64 = 827012345670; // +82 70-1234-567x: a Korean 070 block of ten.

    #[test]
    fn four_members_list_the_other_six() {
        let ms = [
            member(BASE, Category::Scam, 100),
            member(BASE + 1, Category::Telemarketing, 300),
            member(BASE + 2, Category::Scam, 200),
            member(BASE + 3, Category::Telemarketing, 50),
            // A member of the next ten: alone there.
            member(BASE + 10, Category::Robocall, 900),
        ];
        let out = expand(&ms, &RangeRules::default(), 0.0, 2.0, any);
        let numbers: Vec<u64> = out.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, (BASE + 4..BASE + 10).collect::<Vec<_>>());
        for (_, l) in &out {
            // Two scam, two telemarketing: the lower code (scam, 5) wins the tie.
            assert_eq!((l.category, l.score, l.last_activity, l.expires_at), (Category::Scam, 2.0, 300, i64::MAX));
        }
        let mut majority = ms;
        majority[0].category = Category::Telemarketing;
        assert!(expand(&majority, &RangeRules::default(), 0.0, 2.0, any)
            .iter()
            .all(|(_, l)| l.category == Category::Telemarketing));
    }

    #[test]
    fn three_members_are_no_range() {
        let ms: Vec<Member> = (0..3).map(|i| member(BASE + i * 3, Category::Scam, 0)).collect();
        assert!(expand(&ms, &RangeRules::default(), 0.0, 2.0, any).is_empty());
        // The threshold is a flag.
        assert_eq!(expand(&ms, &RangeRules { min10: 3, ..RangeRules::default() }, 0.0, 2.0, any).len(), 7);
    }

    #[test]
    fn four_ranges_of_ten_make_the_whole_hundred() {
        let hundred = BASE / 100 * 100;
        let mut ms = Vec::new();
        for ten in [0, 3, 5, 9] {
            ms.extend((0..4).map(|i| member(hundred + ten * 10 + i, Category::Robocall, i as i64)));
        }
        let out = expand(&ms, &RangeRules::default(), 0.0, 2.0, any);
        assert_eq!(out.len(), 100 - 16, "every number of the hundred but the members");
        assert_eq!(out.first().map(|x| x.0), Some(hundred + 4));
        assert_eq!(out.last().map(|x| x.0), Some(hundred + 99));
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "ascending");
        assert!(out.iter().all(|(n, l)| !ms.iter().any(|m| m.number == *n) && l.last_activity == 3));
        // Three ranges of ten are only those three tens (the attack of issue 11: five
        // networks with one batch of 12 numbers published a hundred).
        let three: Vec<Member> = ms.iter().copied().filter(|m| m.number % 100 < 90).collect();
        assert_eq!(expand(&three, &RangeRules::default(), 0.0, 2.0, any).len(), 18);
        // /100 ranges off.
        let off = RangeRules { min100: 0, ..RangeRules::default() };
        assert_eq!(expand(&ms, &off, 0.0, 2.0, any).len(), 24);
    }

    #[test]
    fn emergency_and_invalid_numbers_are_never_published() {
        // +82 110..119 hold Korea's 112 and 119: members around them must not list them.
        let ms: Vec<Member> = [82110u64, 82111, 82113, 82114].iter().map(|n| member(*n, Category::Scam, 0)).collect();
        let publishable = |n: u64| ringfence_core::E164::from_u64(n).is_some() && !crate::aggregate::is_emergency(n);
        let out: Vec<u64> = expand(&ms, &RangeRules::default(), 0.0, 2.0, publishable).iter().map(|x| x.0).collect();
        assert!(!out.is_empty());
        assert!(!out.contains(&82112) && !out.contains(&82119), "{out:?}");
        // The block of ten of key 0 holds 0, which is no number.
        let low: Vec<Member> = (1..5).map(|n| member(n, Category::Scam, 0)).collect();
        let out = expand(&low, &RangeRules::default(), 0.0, 2.0, |n| ringfence_core::E164::from_u64(n).is_some());
        assert!(!out.iter().any(|x| x.0 == 0));
    }

    #[test]
    fn zero_turns_ranges_off() {
        let ms: Vec<Member> = (0..10).map(|i| member(BASE + i / 2, Category::Scam, 0)).collect();
        assert!(expand(&ms, &RangeRules { min10: 0, ..RangeRules::default() }, 0.0, 2.0, any).is_empty());
        assert!(expand(&[], &RangeRules::default(), 0.0, 2.0, any).is_empty());
    }

    #[test]
    fn a_range_is_as_strong_as_the_member_that_holds_it_up() {
        let day = 86_400;
        let hl = 10.0 * day as f64;
        let strong = |i: u64, score: f64, at: i64| Member { score, ..member(BASE + i, Category::Scam, at) };
        // Scores 8, 6, 5, 4 (the fourth decides), 3 at the same time: strength 4.
        let ms: Vec<Member> =
            [8.0, 6.0, 5.0, 4.0, 3.0].iter().enumerate().map(|(i, s)| strong(i as u64, *s, 0)).collect();
        let out = expand(&ms, &RangeRules::default(), hl, 2.0, any);
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|(_, l)| l.score == 4.0), "{out:?}");
        // At different times: each member decayed to the newest activity (day 10):
        // 8 from day 0 is 4 there, 3 at day 10 stays 3; the fourth highest of
        // (4, 3, 3, 3) is 3.
        let ms = vec![strong(0, 8.0, 0), strong(1, 3.0, 10 * day), strong(2, 3.0, 10 * day), strong(3, 3.0, 10 * day)];
        let out = expand(&ms, &RangeRules::default(), hl, 2.0, any);
        assert!(out.iter().all(|(_, l)| (l.score - 3.0).abs() < 1e-9 && l.last_activity == 10 * day), "{out:?}");
        // So it falls to the threshold (2) when the weakest of them would: 3 * 2^(-t/hl) = 2.
        // Never below the threshold, whatever the members' rounding.
        let weak = vec![strong(0, 1.9, 0), strong(1, 1.9, 0), strong(2, 1.9, 0), strong(3, 1.9, 0)];
        assert!(expand(&weak, &RangeRules::default(), hl, 2.0, any).iter().all(|(_, l)| l.score == 2.0));
        // A hundred: the fourth strongest of its tens.
        let hundred = BASE / 100 * 100;
        let mut ms = Vec::new();
        for (ten, score) in [(0u64, 9.0), (1, 7.0), (2, 5.0), (3, 4.0), (4, 3.0)] {
            ms.extend((0..4).map(|i| Member { score, ..member(hundred + ten * 10 + i, Category::Scam, 0) }));
        }
        let out = expand(&ms, &RangeRules::default(), hl, 2.0, any);
        assert_eq!(out.len(), 100 - 20);
        assert!(out.iter().all(|(_, l)| l.score == 4.0), "{:?}", out.first());
    }

    #[test]
    fn numbers_nobody_reported_are_warned_of_unless_their_ten_is_nearly_all_blocked() {
        let strong = |i: u64, score: f64| Member { score, ..member(BASE + i, Category::Scam, 0) };
        // Four members that phones block: the other six are warned of, not blocked.
        let ms: Vec<Member> = (0..4).map(|i| strong(i, 9.0)).collect();
        let out = expand(&ms, &RangeRules::default(), 0.0, 2.0, any);
        assert_eq!(out.len(), 6);
        assert!(out.iter().all(|(_, l)| l.score == 4.75), "{out:?}");
        // Eight blocked members: the two others are blocked with them.
        let ms: Vec<Member> = (0..8).map(|i| strong(i, 9.0)).collect();
        let out = expand(&ms, &RangeRules::default(), 0.0, 2.0, any);
        assert_eq!(out.iter().map(|(n, l)| (*n - BASE, l.score)).collect::<Vec<_>>(), vec![(8, 9.0), (9, 9.0)]);
        // Eight members of which only seven are blocked: warned of.
        let mut ms = ms;
        ms[7].score = 4.0;
        assert!(expand(&ms, &RangeRules::default(), 0.0, 2.0, any).iter().all(|(_, l)| l.score == 4.75));
        // A hundred's numbers outside its blocking tens are warned of.
        let hundred = BASE / 100 * 100;
        let mut ms: Vec<Member> =
            (0..8).map(|i| Member { score: 9.0, ..member(hundred + i, Category::Scam, 0) }).collect();
        for ten in 1..4u64 {
            ms.extend((0..4).map(|i| Member { score: 9.0, ..member(hundred + ten * 10 + i, Category::Scam, 0) }));
        }
        let out = expand(&ms, &RangeRules::default(), 0.0, 2.0, any);
        assert_eq!(out.len(), 100 - 20);
        for (n, l) in out {
            assert_eq!(l.score, if n - hundred < 10 { 9.0 } else { 4.75 }, "{n}");
        }
    }
}
