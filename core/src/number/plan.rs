//! The numbering plan at run time: country codes, regions, international and national
//! prefixes, and classification, over the static tables in `data.rs`.
//!
//! The algorithms follow Google's libphonenumber (PhoneNumberUtil.parse, getNumberType,
//! getRegionCodeForNumber, format INTERNATIONAL) step by step; the comments name the step.
//! No allocation, no locks, nothing to initialise.

use super::data::{
    self, Country, Pat, RegionData, Res, COUNTRIES, COUNTRY_BY_CODE, FORMATS, REGIONS, REGION_BY_ID, TOKENS,
};
use super::Region;

/// libphonenumber's longest national significant number.
pub const MAX_NSN: usize = 17;

/// A short run of ASCII digits on the stack.
#[derive(Clone, Copy)]
pub struct Buf {
    b: [u8; Buf::CAP],
    len: u8,
}

impl Buf {
    /// Room for an international access prefix (up to 8 digits, AU's `14880011`), a
    /// country code and the longest national number libphonenumber accepts.
    pub const CAP: usize = 28;

    pub fn new() -> Buf {
        Buf { b: [0; Buf::CAP], len: 0 }
    }

    pub fn from(digits: &[u8]) -> Buf {
        let mut b = Buf::new();
        b.extend(digits);
        b
    }

    /// Appends one digit; false when full.
    #[inline]
    pub fn push(&mut self, d: u8) -> bool {
        let n = usize::from(self.len);
        if n < Buf::CAP {
            self.b[n] = d;
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// Appends as much as fits; returns false if something was cut.
    pub fn extend(&mut self, digits: &[u8]) -> bool {
        let start = usize::from(self.len);
        let n = digits.len().min(Buf::CAP - start);
        self.b[start..start + n].copy_from_slice(&digits[..n]);
        self.len += n as u8;
        n == digits.len()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.b[..usize::from(self.len)]
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
}

// ---------------------------------------------------------------------------------------
// Lookups

pub fn country(cc: u16) -> Option<&'static Country> {
    match COUNTRY_BY_CODE.get(usize::from(cc)) {
        Some(&i) if i > 0 => Some(&COUNTRIES[usize::from(i) - 1]),
        _ => None,
    }
}

/// The country a region belongs to.
pub fn country_of(r: &RegionData) -> &'static Country {
    &COUNTRIES[usize::from(r.country)]
}

pub fn region_data(region: Region) -> Option<&'static RegionData> {
    let [a, b] = region.0;
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let i = usize::from(a - b'A') * 26 + usize::from(b - b'A');
    match REGION_BY_ID[i] {
        0 => None,
        n => Some(&REGIONS[usize::from(n) - 1]),
    }
}

/// The main region of a country code (libphonenumber's getRegionCodeForCountryCode).
pub fn main_region(c: &Country) -> &'static RegionData {
    &REGIONS[usize::from(c.regions.0)]
}

/// Region `local` of a country code as a public [`Region`] (`None` for +800, +979, ...).
pub fn region_of(c: &Country, local: i8) -> Option<Region> {
    let i = usize::try_from(local).ok()?;
    let r = REGIONS.get(usize::from(c.regions.0) + i)?;
    (r.id != [0, 0]).then_some(Region(r.id))
}

/// Every region of a country code, the main one first.
pub fn regions(c: &Country) -> impl Iterator<Item = &'static RegionData> {
    let (first, n) = (usize::from(c.regions.0), usize::from(c.regions.1));
    REGIONS[first..first + n].iter()
}

pub fn all_regions() -> impl Iterator<Item = Region> {
    REGIONS.iter().filter(|r| r.id != [0, 0]).map(|r| Region(r.id))
}

/// The digits of a country calling code.
pub fn cc_digits(cc: u16) -> Buf {
    let (a, b, c) = ((cc / 100) as u8, (cc / 10 % 10) as u8, (cc % 10) as u8);
    match cc {
        0..=9 => Buf::from(&[b'0' + c]),
        10..=99 => Buf::from(&[b'0' + b, b'0' + c]),
        _ => Buf::from(&[b'0' + a, b'0' + b, b'0' + c]),
    }
}

pub fn country_codes() -> impl Iterator<Item = u16> {
    COUNTRIES.iter().map(|c| c.cc)
}

/// Splits a leading country calling code off `digits` (libphonenumber's
/// extractCountryCode: the first 1-3 digit prefix that is a known code; never from 0).
pub fn split_country_code(digits: &[u8]) -> Option<(&'static Country, &[u8])> {
    if digits.first() == Some(&b'0') {
        return None;
    }
    let mut cc = 0u16;
    for (i, &d) in digits.iter().take(3).enumerate() {
        cc = cc * 10 + u16::from(d - b'0');
        if let Some(c) = country(cc) {
            return Some((c, &digits[i + 1..]));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Classification

/// Runs the country code's DFA over an NSN: libphonenumber's region and type for it.
#[inline]
pub fn classify(c: &Country, nsn: &[u8]) -> &'static Res {
    let mut s = usize::from(c.start);
    for &d in nsn {
        s = data::step(s, d - b'0');
    }
    data::result(s)
}

/// libphonenumber's matchNationalNumber(number, generalDesc): the region's general
/// pattern matches, whatever the length.
pub fn is_viable(r: &RegionData, number: &[u8]) -> bool {
    classify(country_of(r), number).viable & (1 << r.local) != 0
}

// ---------------------------------------------------------------------------------------
// Unrolled regexes

/// Capture slots: group g spans `caps[2g]..caps[2g+1]`; `NONE` when it did not take part.
pub type Caps = [u8; 20];
const NONE: u8 = u8::MAX;

/// Matches an unrolled regex at the start of `input`, leftmost-first like the backtracking
/// engines libphonenumber uses: the first path (in priority order) that matches wins.
/// With `full`, the match must span the whole input (Java `matches()`), else it is a prefix
/// (`lookingAt()`). Returns the end of the match and fills `caps`.
pub fn matches(p: Pat, input: &[u8], full: bool, caps: &mut Caps) -> Option<usize> {
    let first = input.first().map_or(0x3FF, |&d| 1u16 << (d - b'0'));
    if p.count == 0 || p.starts & first == 0 {
        return None;
    }
    let toks = &TOKENS[p.first as usize..(p.first + p.count) as usize];
    let mut i = 0;
    // Capture slots written by a failed path must not leak into the next one.
    let mut dirty = true;
    while i < toks.len() {
        // One path: tokens up to the next 0.
        if dirty {
            *caps = [NONE; 20];
            dirty = false;
        }
        let mut pos = 0usize;
        let ok = loop {
            let t = toks[i];
            i += 1;
            let step_ok = match t {
                0 => break true,
                data::TOK_END => pos == input.len(),
                data::TOK_START => pos == 0,
                t if t & data::TOK_SAVE != 0 => {
                    if let Some(slot) = caps.get_mut(usize::from(t & !data::TOK_SAVE)) {
                        *slot = pos as u8;
                        dirty = true;
                    }
                    true
                }
                mask => match input.get(pos) {
                    Some(&d) if mask & (1 << (d - b'0')) != 0 => {
                        pos += 1;
                        true
                    }
                    _ => false,
                },
            };
            if !step_ok {
                break false;
            }
        };
        if ok && (!full || pos == input.len()) {
            return Some(pos);
        }
        if !ok {
            // Skip the rest of the failed path.
            while i < toks.len() && toks[i] != 0 {
                i += 1;
            }
            i += 1;
        }
    }
    None
}

/// Java's `$n` substitution of a replacement template: hands the literal parts and the
/// groups' text to `out` in order.
fn expand(template: &str, caps: &Caps, input: &[u8], mut out: impl FnMut(&[u8])) {
    let t = template.as_bytes();
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'$' && t.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let g = usize::from(t[i + 1] - b'0');
            if let (Some(&s), Some(&e)) = (caps.get(2 * g), caps.get(2 * g + 1)) {
                if s != NONE && e != NONE {
                    out(&input[usize::from(s)..usize::from(e)]);
                }
            }
            i += 2;
        } else {
            let lit = t[i..].iter().skip(1).position(|&b| b == b'$').map_or(t.len(), |p| i + 1 + p);
            out(&t[i..lit]);
            i = lit;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parsing steps

/// maybeStripInternationalPrefixAndNormalize: the rest of `digits` after the region's
/// international access prefix, unless a 0 follows it (country codes never start with 0).
pub fn strip_idd<'a>(r: &RegionData, digits: &'a [u8]) -> Option<&'a [u8]> {
    let mut caps = [NONE; 20];
    let end = matches(r.idd, digits, false, &mut caps)?;
    (digits.get(end) != Some(&b'0')).then(|| &digits[end..])
}

/// maybeStripNationalPrefixAndCarrierCode: the number without its national prefix (and
/// carrier code), transformed where the region has a rule, with the classification of the
/// result (so callers need not walk the DFA again). `None` when nothing applies or when
/// stripping would turn a viable number into one that is not.
pub fn strip_national_prefix(r: &RegionData, number: &[u8]) -> Option<(Buf, &'static Res)> {
    let mut caps = [NONE; 20];
    let end = matches(r.npp, number, false, &mut caps)?;
    let last = usize::from(r.npp.groups);
    let out = if r.transform.is_empty() || last == 0 || caps[2 * last] == NONE {
        Buf::from(&number[end..])
    } else {
        let mut out = Buf::new();
        let mut fits = true;
        expand(r.transform, &caps, number, |part| fits &= out.extend(part));
        if !fits || !out.extend(&number[end..]) {
            return None;
        }
        out
    };
    let c = country_of(r);
    let res = classify(c, out.as_bytes());
    let bit = 1 << r.local;
    // Only a viable original can veto; checked last since it is rarely needed.
    if res.viable & bit == 0 && classify(c, number).viable & bit != 0 {
        return None;
    }
    Some((out, res))
}

/// parseHelper's guard after stripping a national prefix: the rest must not be too short,
/// local-only or of an impossible length for the region (testNumberLength, UNKNOWN type).
pub fn length_allows_stripping(r: &RegionData, len: usize) -> bool {
    if len > 31 {
        return true;
    }
    let bit = 1u32 << len;
    if r.local_lengths & bit != 0 {
        return false;
    }
    let max = 31 - r.general_lengths.leading_zeros() as usize;
    r.general_lengths & bit != 0 || (r.general_lengths != 0 && len > max)
}

/// Whether a number is too long for the region (testNumberLength == TOO_LONG).
pub fn too_long(r: &RegionData, len: usize) -> bool {
    r.general_lengths != 0 && len > 31 - r.general_lengths.leading_zeros() as usize
}

// ---------------------------------------------------------------------------------------
// Formatting

/// `+cc` and the NSN grouped by the region's international format (libphonenumber's
/// INTERNATIONAL format); the NSN ungrouped when no format applies.
pub fn format_international(c: &Country, nsn: &[u8], out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "+{}", c.cc);
    if nsn.is_empty() {
        return;
    }
    out.push(' ');
    let r = main_region(c);
    let region = classify(c, nsn).region;
    let r = usize::try_from(region).ok().and_then(|i| REGIONS.get(usize::from(c.regions.0) + i)).unwrap_or(r);
    let (first, n) = r.formats;
    let mut caps = [NONE; 20];
    for f in &FORMATS[usize::from(first)..usize::from(first + n)] {
        if f.lead.count != 0 && matches(f.lead, nsn, false, &mut [NONE; 20]).is_none() {
            continue;
        }
        if matches(f.pattern, nsn, true, &mut caps).is_some() {
            expand(f.template, &caps, nsn, |part| out.push_str(&String::from_utf8_lossy(part)));
            return;
        }
    }
    out.extend(nsn.iter().map(|&b| b as char));
}

// ---------------------------------------------------------------------------------------
// Expansion of prefixes

/// The NSN lengths at which some valid number of country `c` begins with `head`,
/// as a bit mask (bit n = n digits). Walks the DFA below the prefix's state.
pub fn valid_lengths_below(c: &Country, head: &[u8]) -> u32 {
    let mut s = usize::from(c.start);
    for &d in head {
        s = data::step(s, d - b'0');
    }
    // Breadth-first by depth; the DFA is acyclic up to MAX_NSN + 1 digits.
    let mut level: Vec<usize> = vec![s];
    let mut lengths = 0u32;
    let mut depth = head.len();
    while !level.is_empty() && depth <= MAX_NSN {
        if level.iter().any(|&s| data::result(s).number_type != super::NumberType::Unknown) {
            lengths |= 1 << depth;
        }
        let mut next: Vec<usize> = level.iter().flat_map(|&s| (0..10).map(move |d| data::step(s, d))).collect();
        next.sort_unstable();
        next.dedup();
        level = next;
        depth += 1;
    }
    lengths
}
