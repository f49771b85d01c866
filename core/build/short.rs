//! libphonenumber's short-number metadata (`data/ShortNumberMetadata.xml`: emergency
//! numbers, short codes and their costs, per region), compiled into one small DFA per
//! region. Each state answers a bit mask: which descriptions fully match the digits read
//! so far (libphonenumber's `matchesPossibleNumberAndNationalNumber`, lengths included).

use super::{determinise, minimise, parse_regex, Dfa, Tagged, MAX_NSN};
use std::collections::HashMap;
use std::path::Path;

/// The descriptions, in bit order, with the name of the run-time constant for each bit.
pub const KINDS: [(&str, &str); 9] = [
    ("generalDesc", "GENERAL"),
    ("shortCode", "SHORT_CODE"),
    ("tollFree", "TOLL_FREE"),
    ("standardRate", "STANDARD_RATE"),
    ("premiumRate", "PREMIUM_RATE"),
    ("carrierSpecific", "CARRIER_SPECIFIC"),
    ("emergency", "EMERGENCY"),
    ("expandedEmergency", "EXPANDED_EMERGENCY"),
    ("smsServices", "SMS_SERVICES"),
];
const GENERAL: usize = 0;
const SHORT_CODE: usize = 1;
const EMERGENCY: usize = 6;
const EXPANDED_EMERGENCY: usize = 7;

/// One description: its pattern and possible lengths (bit n = n digits; 0 = not given).
#[derive(Clone, Default)]
pub struct Desc {
    pattern: String,
    lengths: u32,
}

/// Region id -> its descriptions in `KINDS` order.
pub type ShortData = HashMap<String, [Option<Desc>; KINDS.len()]>;

pub fn load(manifest_dir: &Path) -> ShortData {
    let path = manifest_dir.join("data/ShortNumberMetadata.xml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = ShortData::new();
    for territory in doc.descendants().filter(|n| n.has_tag_name("territory")) {
        let id = territory.attribute("id").expect("territory without id").to_string();
        let mut descs: [Option<Desc>; KINDS.len()] = Default::default();
        for el in territory.children().filter(|n| n.is_element()) {
            let Some(k) = KINDS.iter().position(|(tag, _)| el.has_tag_name(*tag)) else {
                panic!("{id}: unknown short-number description <{}>", el.tag_name().name())
            };
            let child = |name: &str| el.children().find(|n| n.has_tag_name(name));
            let pattern: String = child("nationalNumberPattern")
                .and_then(|n| n.text())
                .unwrap_or_else(|| panic!("{id} {}: no pattern", KINDS[k].0))
                .split_whitespace()
                .collect();
            let lengths = child("possibleLengths").and_then(|n| n.attribute("national")).map_or(0, lengths_mask);
            descs[k] = Some(Desc { pattern, lengths });
        }
        // As libphonenumber's metadata build does for short numbers: the general
        // description's possible lengths are the short-code description's.
        let short_lengths = descs[SHORT_CODE].as_ref().map_or(0, |d| d.lengths);
        if let Some(g) = descs[GENERAL].as_mut() {
            g.lengths = short_lengths;
        }
        out.insert(id, descs);
    }
    out
}

/// `"3,4,6"`, `"[3-6]"`, `"[3-5],8"` as a bit mask.
fn lengths_mask(spec: &str) -> u32 {
    let mut mask = 0u32;
    for part in spec.split(',').map(str::trim) {
        let (lo, hi) = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(range) => {
                let (a, b) = range.split_once('-').unwrap_or_else(|| panic!("length range {part:?}"));
                (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap())
            }
            None => {
                let n = part.parse::<usize>().unwrap_or_else(|_| panic!("length {part:?}"));
                (n, n)
            }
        };
        assert!(hi <= MAX_NSN, "short-number length {hi} beyond MAX_NSN");
        for n in lo..=hi {
            mask |= 1 << n;
        }
    }
    mask
}

pub struct ShortDfa {
    pub dfa: Dfa<u16>,
    /// The most digits at which some description accepts, and an emergency one.
    pub deepest_accept: usize,
    pub deepest_emergency: usize,
}

pub fn dfa(descs: &[Option<Desc>; KINDS.len()]) -> ShortDfa {
    let all_lengths: u32 = (1u32 << (MAX_NSN + 1)) - 1;
    let patterns: Vec<Tagged> = descs
        .iter()
        .enumerate()
        .filter_map(|(k, d)| {
            let d = d.as_ref()?;
            parse_regex(&d.pattern); // a clear panic for a bad pattern, naming it
                                     // isEmergencyNumber matches the pattern alone, whatever the length (and
                                     // expanded emergency numbers are treated the same way here).
            let lengths =
                if k == EMERGENCY || k == EXPANDED_EMERGENCY || d.lengths == 0 { all_lengths } else { d.lengths };
            Some(Tagged { tag: k, pattern: &d.pattern, lengths, sticky: false })
        })
        .collect();
    let (next, holds) = determinise(&patterns, KINDS.len());
    let result: Vec<u16> =
        holds.iter().map(|acc| acc.iter().enumerate().fold(0, |m, (k, &a)| m | (u16::from(a) << k))).collect();
    // Depth of each state in the (acyclic up to MAX_NSN) subset DFA, for the deepest accept.
    let mut depth = vec![usize::MAX; next.len()];
    depth[0] = 0;
    let (mut deepest_accept, mut deepest_emergency) = (0, 0);
    let emergency_bits = 1 << EMERGENCY | 1 << EXPANDED_EMERGENCY;
    let mut frontier = vec![0usize];
    while let Some(s) = frontier.pop() {
        if result[s] != 0 {
            deepest_accept = deepest_accept.max(depth[s]);
        }
        if result[s] & emergency_bits != 0 {
            deepest_emergency = deepest_emergency.max(depth[s]);
        }
        for &t in &next[s] {
            let t = t as usize;
            if depth[t] == usize::MAX && depth[s] < MAX_NSN {
                depth[t] = depth[s] + 1;
                frontier.push(t);
            }
        }
    }
    ShortDfa { dfa: minimise(Dfa { start: 0, next, result }), deepest_accept, deepest_emergency }
}
