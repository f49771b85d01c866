//! The compiled tables against a straightforward reference: the same metadata (from the
//! `phonenumber` crate, a dev-dependency) matched with the `regex` crate, anchored the way
//! libphonenumber anchors it. Any difference is a bug in build.rs or plan.rs.

use super::data::{COUNTRIES, REGIONS};
use super::plan::{self, Caps};
use super::NumberType;
use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;

fn anchored(pattern: &str, full: bool) -> Regex {
    let p = if full { format!("^(?:{pattern})$") } else { format!("^(?:{pattern})") };
    RegexBuilder::new(&p).ignore_whitespace(true).build().unwrap()
}

struct RefDesc {
    re: Regex,
    lengths: Vec<u16>,
}

impl RefDesc {
    fn new(d: &Descriptor, lengths: Vec<u16>) -> RefDesc {
        RefDesc { re: anchored(d.national_number().as_str(), true), lengths }
    }
    fn is(&self, nsn: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(nsn.len() as u16))) && self.re.is_match(nsn)
    }
}

struct RefRegion {
    id: String,
    general: RefDesc,
    /// In getNumberType's order of checks (fixed line and mobile last).
    types: Vec<(NumberType, Option<RefDesc>)>,
    same_fixed_mobile: bool,
    lead: Option<Regex>,
}

fn ref_region(m: &Metadata) -> RefRegion {
    let d = m.descriptors();
    let typed = [
        (NumberType::PremiumRate, d.premium_rate()),
        (NumberType::TollFree, d.toll_free()),
        (NumberType::SharedCost, d.shared_cost()),
        (NumberType::Voip, d.voip()),
        (NumberType::PersonalNumber, d.personal_number()),
        (NumberType::Pager, d.pager()),
        (NumberType::Uan, d.uan()),
        (NumberType::Voicemail, d.voicemail()),
        (NumberType::FixedLine, d.fixed_line()),
        (NumberType::Mobile, d.mobile()),
    ];
    // The general description's lengths: the union over the typed descriptions.
    let mut general_lengths: Vec<u16> =
        typed.iter().filter_map(|(_, d)| *d).flat_map(|d| d.possible_length().iter().copied()).collect();
    general_lengths.sort_unstable();
    general_lengths.dedup();
    RefRegion {
        id: m.id().to_string(),
        general: RefDesc::new(d.general(), general_lengths),
        types: typed.iter().map(|(t, d)| (*t, d.map(|d| RefDesc::new(d, d.possible_length().to_vec())))).collect(),
        same_fixed_mobile: match (d.fixed_line(), d.mobile()) {
            (Some(f), Some(mo)) => f.national_number().as_str() == mo.national_number().as_str(),
            _ => false,
        },
        lead: m.leading_digits().map(|re| anchored(re.as_str(), false)),
    }
}

fn ref_type(r: &RefRegion, nsn: &str) -> NumberType {
    if !r.general.is(nsn) {
        return NumberType::Unknown;
    }
    let is = |i: usize| r.types[i].1.as_ref().is_some_and(|d| d.is(nsn));
    if let Some(i) = (0..8).find(|&i| is(i)) {
        return r.types[i].0;
    }
    match (is(8), is(9)) {
        (true, _) if r.same_fixed_mobile => NumberType::FixedLineOrMobile,
        (true, true) => NumberType::FixedLineOrMobile,
        (true, false) => NumberType::FixedLine,
        (false, true) => NumberType::Mobile,
        _ => NumberType::Unknown,
    }
}

/// getRegionCodeForNumber + getNumberType.
fn ref_classify(regions: &[RefRegion], nsn: &str) -> (Option<String>, NumberType) {
    let chosen = if regions.len() == 1 {
        Some(&regions[0])
    } else {
        regions.iter().find(|r| match &r.lead {
            Some(lead) => lead.is_match(nsn),
            None => ref_type(r, nsn) != NumberType::Unknown,
        })
    };
    match chosen {
        Some(r) => (Some(r.id.clone()), ref_type(r, nsn)),
        None => (None, NumberType::Unknown),
    }
}

fn ref_plan() -> HashMap<u16, Vec<RefRegion>> {
    COUNTRIES
        .iter()
        .map(|c| {
            let metas = DATABASE.by_code(&c.cc).unwrap();
            let ids = DATABASE.region(&c.cc).unwrap();
            let regions = ids.iter().map(|id| ref_region(metas.iter().find(|m| m.id() == *id).unwrap())).collect();
            (c.cc, regions)
        })
        .collect()
}

/// Example numbers of every description, and neighbours of them (one digit more, one
/// less, one changed), which sit on the edges of the patterns.
fn probes(m: &Metadata) -> Vec<String> {
    let d = m.descriptors();
    let all = [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.no_international(),
    ];
    let mut out = Vec::new();
    for ex in all.iter().flatten().filter_map(|d| d.example()) {
        out.push(ex.to_string());
        for digit in '0'..='9' {
            out.push(format!("{ex}{digit}"));
        }
        out.push(ex[..ex.len() - 1].to_string());
        for i in 0..ex.len() {
            let mut b = ex.as_bytes().to_vec();
            b[i] = b'0' + (b[i] - b'0' + 1) % 10;
            out.push(String::from_utf8(b).unwrap());
            let mut b = ex.as_bytes().to_vec();
            b[i] = b'0' + (b[i] - b'0' + 7) % 10;
            out.push(String::from_utf8(b).unwrap());
        }
    }
    out
}

#[test]
fn dfa_agrees_with_regex_reference() {
    let reference = ref_plan();
    let (mut checked, mut wrong) = (0, Vec::new());
    for c in COUNTRIES.iter() {
        let regions = &reference[&c.cc];
        for m in DATABASE.by_code(&c.cc).unwrap() {
            for nsn in probes(m) {
                let res = plan::classify(c, nsn.as_bytes());
                let got = (plan::region_of(c, res.region).map(|r| r.to_string()), res.number_type);
                let (want_region, want_type) = ref_classify(regions, &nsn);
                // Non-geographic entities (+800, ...) have no public Region.
                let want = (want_region.filter(|id| id != "001"), want_type);
                checked += 1;
                if got != want {
                    wrong.push(format!("+{} {nsn}: got {got:?}, want {want:?}", c.cc));
                }
                // The viable bits are the general pattern alone, for every region.
                for (i, r) in regions.iter().enumerate() {
                    let want_viable = r.general.re.is_match(&nsn);
                    if (res.viable >> i & 1 == 1) != want_viable {
                        wrong.push(format!("+{} {nsn}: viable bit of {} wrong", c.cc, r.id));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} differ:\n{}", wrong.len(), wrong[..wrong.len().min(30)].join("\n"));
    assert!(checked > 30_000, "only {checked} probes");
}

/// Digit strings that exercise prefix patterns: the examples with access and national
/// prefixes in front, and a deterministic spread of random digits.
fn prefix_probes(m: &Metadata) -> Vec<String> {
    let mut out = Vec::new();
    let heads = [
        "", "0", "00", "000", "001", "0011", "002", "005", "00700", "010", "011", "1", "8", "810", "9", "15", "0549",
        "03", "085",
    ];
    let d = m.descriptors();
    for ex in [d.general(), d.fixed_line().unwrap_or(d.general()), d.mobile().unwrap_or(d.general())]
        .iter()
        .filter_map(|d| d.example())
    {
        for h in heads {
            out.push(format!("{h}{ex}"));
            out.push(format!("{h}{}", &ex[..ex.len().min(4)]));
        }
    }
    let mut x: u64 = 0x9E3779B97F4A7C15 ^ u64::from(m.country_code());
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 1 + (x % 14) as usize;
        out.push(x.to_string().chars().rev().take(len).collect());
    }
    out
}

fn same_match(
    pattern: &str,
    pat: super::data::Pat,
    inputs: &[String],
    full: bool,
    what: &str,
    wrong: &mut Vec<String>,
) {
    let re = anchored(pattern, full);
    for input in inputs {
        let mut caps: Caps = [u8::MAX; 20];
        let got = plan::matches(pat, input.as_bytes(), full, &mut caps);
        let want = re.captures(input);
        let ok = match (&got, &want) {
            (None, None) => true,
            (Some(end), Some(c)) => {
                *end == c.get(0).unwrap().end()
                    && (1..c.len()).all(|g| {
                        let (s, e) = (caps[2 * g], caps[2 * g + 1]);
                        match c.get(g) {
                            Some(m) => usize::from(s) == m.start() && usize::from(e) == m.end(),
                            None => s == u8::MAX,
                        }
                    })
            }
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{what} {pattern:?} on {input}: got {got:?}, want {:?}",
                want.map(|c| c.get(0).unwrap().end())
            ));
        }
    }
}

#[test]
fn unrolled_prefix_patterns_agree_with_regex() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for r in REGIONS.iter() {
        let c = &COUNTRIES[usize::from(r.country)];
        // Same order as the tables: the main region first.
        let m = DATABASE.by_code(&c.cc).unwrap()[usize::from(r.local)];
        let inputs = prefix_probes(m);
        if let Some(idd) = m.international_prefix() {
            same_match(idd.as_str(), r.idd, &inputs, false, "idd", &mut wrong);
            checked += 1;
        }
        if let Some(npp) = m.national_prefix_for_parsing() {
            same_match(npp.as_str(), r.npp, &inputs, false, "npp", &mut wrong);
            checked += 1;
        }
        let fmts = if m.international_formats().is_empty() { m.formats() } else { m.international_formats() };
        let (first, n) = r.formats;
        assert_eq!(fmts.len(), usize::from(n), "{} formats", m.id());
        for (f, compiled) in fmts.iter().zip(&super::data::FORMATS[usize::from(first)..usize::from(first + n)]) {
            same_match(f.pattern().as_str(), compiled.pattern, &inputs, true, "format", &mut wrong);
            if let Some(lead) = f.leading_digits().last() {
                same_match(lead.as_str(), compiled.lead, &inputs, false, "lead", &mut wrong);
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} patterns");
    assert!(wrong.is_empty(), "{} differ:\n{}", wrong.len(), wrong[..wrong.len().min(30)].join("\n"));
}
