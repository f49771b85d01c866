//! From cleaned digits to a classified number: libphonenumber's PhoneNumberUtil.parse
//! (country code, international and national prefixes) followed by getRegionCodeForNumber
//! and getNumberType, with our own tables for short and emergency numbers.
//!
//! Deliberate differences from libphonenumber, all for caller IDs:
//! * `+cc` numbers never use the *home* region's rules (the `phonenumber` crate's trap 1);
//!   like libphonenumber itself, their national prefix is read with the rules of the
//!   country code's main region.
//! * Short and emergency numbers (112, 119, 95588, 1588 on its own) come out as numbers of
//!   type `Emergency` / `ShortCode`, `valid` and `national_only`, keyed `+cc digits`,
//!   where libphonenumber reports "invalid" (it keeps them in separate metadata).
//! * Keys read back as themselves (`parse("+" + key)` gives the same key). libphonenumber's
//!   output does not always: it strips a national prefix after a country code from garbage
//!   too (`+86 000000000` becomes `+8600000000`, which then becomes `+860000000`), and it
//!   leaves a second trunk prefix in national input (`0 0222 00000`). Here a national
//!   prefix after a country code only comes off when a valid number remains, and the
//!   result of national input is read once more the way its key will be. Numbers that
//!   libphonenumber calls valid come out the same.
//! * A national significant number of one digit is kept (as an invalid number) where
//!   libphonenumber throws TOO_SHORT_NSN; no digits after the country code is malformed.

use super::clean::Digits;
use super::data::{Country, RegionData, Res};
use super::plan::{self, Buf, MAX_NSN};
use super::{short, tables, Malformed, NumberType, PhoneNumber, Prefix, Region, E164};

/// Where the country code came from; decides whose national prefix rules apply and
/// where a short number may be from.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// `+` and a country code: a short number of any region of the code.
    Plus,
    /// An international access prefix, or the home country code written without `+`: as
    /// in libphonenumber, never a short number.
    CountryCode,
    /// A national number of the home region: a short number of the home region.
    Home,
}

pub fn number(d: &Digits, home: Region) -> Result<PhoneNumber, Malformed> {
    let home_r = plan::region_data(home).ok_or(Malformed::UnknownCountryCode)?;
    let digits = d.as_bytes();
    // Emergency numbers as dialled at home come first: 112 must ring, whatever else the
    // digits could be read as.
    if !d.plus && tables::is_emergency(home_r, digits) {
        return Ok(short(country_of(home_r), Some(home), digits, NumberType::Emergency));
    }
    // Holds the national number when it had to be rewritten (home country code taken
    // off); everything else is a slice of `digits` (copies of a `Buf` cost on this path).
    let mut rewritten = Buf::new();
    let (country, raw_nsn, source) = if d.plus {
        match plan::split_country_code(digits) {
            Some((c, rest)) => (c, rest, Source::Plus),
            // `+00 32 ...`, `+011 44 ...`: libphonenumber retries a `+` that no country code
            // follows as if it were not there, with the home region's access prefix or
            // country code only.
            None => {
                let (c, rest) =
                    international(home_r, digits, &mut rewritten).ok_or(Malformed::UnknownCountryCode)??;
                (c, rest, Source::Plus)
            }
        }
    } else {
        match international(home_r, digits, &mut rewritten) {
            Some(found) => {
                let (c, rest) = found?;
                (c, rest, Source::CountryCode)
            }
            None => (country_of(home_r), digits, Source::Home),
        }
    };
    if raw_nsn.is_empty() {
        return Err(Malformed::NoDigits);
    }
    // `+41 117`, `00 41 117`: an emergency number of the country, written with its code;
    // its region is the first of the code's regions that has it, wherever it is read.
    if source != Source::Home {
        if let Some(r) = regions(country).find(|r| tables::is_emergency(r, raw_nsn)) {
            return Ok(short(country, id(r), raw_nsn, NumberType::Emergency));
        }
    }
    // libphonenumber's national prefix step: with the home region's rules for national
    // numbers, else with the rules of the country code's main region.
    let main = plan::main_region(country);
    let mut stripped = match source {
        Source::Home => strip(home_r, raw_nsn, true),
        Source::Plus | Source::CountryCode => strip(main, raw_nsn, false),
    };
    // The key must read back as itself: take off what reading `+cc nsn` would take off
    // (a national number written with two trunk prefixes, `0 0222...`). Each round takes
    // digits off or rewrites a local number into a longer one once; four is plenty.
    for _ in 0..4 {
        let current = stripped.as_ref().map_or(raw_nsn, |(b, _)| b.as_bytes());
        match strip(main, current, false) {
            Some(next) => stripped = Some(next),
            None => break,
        }
    }
    let nsn = stripped.as_ref().map_or(raw_nsn, |(b, _)| b.as_bytes());
    if nsn.is_empty() {
        return Err(Malformed::NoDigits);
    }
    if nsn.len() > MAX_NSN {
        return Err(Malformed::TooLong);
    }
    let res = stripped.as_ref().map_or_else(|| plan::classify(country, nsn), |(_, res)| *res);
    let t = res.number_type;
    if t == NumberType::Unknown {
        // Not in the numbering plan: a short number (libphonenumber's ShortNumberInfo) of
        // the home region for national input, of the first region of the code that has it
        // for `+` input (`+86 95588`).
        let read = |r: &'static RegionData| Some((r, short::info(r, nsn))).filter(|(_, info)| info.valid());
        let found = match source {
            Source::Home => read(home_r),
            Source::Plus => regions(country).find_map(read),
            Source::CountryCode => None,
        };
        if let Some((r, info)) = found {
            let region = if r.id == home_r.id { Some(home) } else { id(r) };
            return Ok(short(country, region, nsn, info.number_type()));
        }
    }
    let e164 = key(country.cc, nsn).ok_or(Malformed::TooLong)?;
    Ok(PhoneNumber {
        e164,
        country_code: country.cc,
        region: plan::region_of(country, res.region),
        number_type: t,
        valid: t != NumberType::Unknown,
        national_only: res.no_intl || tables::is_national_only(country.cc, nsn),
        short: false,
        traits: tables::traits(country.cc, nsn, t),
    })
}

/// A number without `+` that is in international form for the home region: behind the
/// home region's international access prefix (`00 41 ...`, `011 44 ...`), or beginning
/// with the home country code where only that reading makes sense (libphonenumber's
/// maybeExtractCountryCode). `None` when it is a national number; an error when an access
/// prefix is followed by no known country code.
/// The national number is a slice of `digits`, or of `rewritten` when it had to be
/// rewritten.
fn international<'a>(
    home: &RegionData,
    digits: &'a [u8],
    rewritten: &'a mut Buf,
) -> Option<Result<(&'static Country, &'a [u8]), Malformed>> {
    if let Some(rest) = plan::strip_idd(home, digits) {
        return Some(match plan::split_country_code(rest) {
            Some((c, rest)) => Ok((c, rest)),
            None => Err(Malformed::UnknownCountryCode),
        });
    }
    *rewritten = strip_home_country_code(home, digits)?;
    Some(Ok((country_of(home), rewritten.as_bytes())))
}

/// Every region of a country code, the main one first.
fn regions(c: &Country) -> impl Iterator<Item = &'static RegionData> {
    plan::regions(c)
}

/// The region's public id (`None` for non-geographic codes such as +800).
fn id(r: &RegionData) -> Option<Region> {
    (r.id != [0, 0]).then_some(Region(r.id))
}

/// Takes a national prefix off `nsn` under the region's rules, if libphonenumber would
/// (its length guard included). After a country code (`national == false`) only when a
/// valid number remains: libphonenumber also strips it from garbage (`+86 0000...`), so
/// that its output reads back differently each time, and keys must be stable.
fn strip(rules: &RegionData, nsn: &[u8], national: bool) -> Option<(Buf, &'static Res)> {
    plan::strip_national_prefix(rules, nsn).filter(|(s, res)| {
        plan::length_allows_stripping(rules, s.len()) && (national || res.number_type != NumberType::Unknown)
    })
}

/// libphonenumber's maybeExtractCountryCode for a number without `+` or access prefix that
/// begins with the home country code (`821012345678` at home in KR): the code is taken off
/// when the number only makes sense without it, or is too long with it.
fn strip_home_country_code(home: &RegionData, digits: &[u8]) -> Option<Buf> {
    let rest = digits.strip_prefix(plan::cc_digits(home.cc).as_bytes())?;
    let potential = plan::strip_national_prefix(home, rest).map_or_else(|| Buf::from(rest), |(s, _)| s);
    let better = !plan::is_viable(home, digits) && plan::is_viable(home, potential.as_bytes());
    (better || plan::too_long(home, digits.len())).then_some(potential)
}

fn country_of(r: &RegionData) -> &'static Country {
    plan::country_of(r)
}

/// The E.164 key of `cc` followed by `nsn`; `None` beyond [`E164::MAX_DIGITS`] digits.
fn key(cc: u16, nsn: &[u8]) -> Option<E164> {
    let cc_len = if cc >= 100 {
        3
    } else if cc >= 10 {
        2
    } else {
        1
    };
    if cc_len + nsn.len() > E164::MAX_DIGITS as usize {
        return None;
    }
    let v = nsn.iter().try_fold(u64::from(cc), |v, &d| v.checked_mul(10)?.checked_add(u64::from(d - b'0')))?;
    E164::from_u64(v)
}

fn short(country: &Country, region: Option<Region>, digits: &[u8], t: NumberType) -> PhoneNumber {
    PhoneNumber {
        // Short numbers are at most SHORT_MAX_LEN (10) digits: the key always fits.
        e164: key(country.cc, digits).unwrap_or(E164(u64::from(country.cc))),
        country_code: country.cc,
        region,
        number_type: t,
        valid: true,
        national_only: true,
        short: true,
        traits: tables::traits(country.cc, digits, t),
    }
}

/// The E.164 prefix a list pattern such as `1588*`, `010-1234*` or `+8270*` means.
///
/// A prefix is not a whole number, so libphonenumber's checks (viable patterns, lengths)
/// cannot decide about prefixes: the national prefix is taken off when the digits begin
/// with it and more digits follow.
pub fn prefix(d: &Digits, home: Region) -> Result<Prefix, Malformed> {
    let home_r = plan::region_data(home).ok_or(Malformed::UnknownCountryCode)?;
    let digits = d.as_bytes();
    let (country, rest) = if d.plus {
        plan::split_country_code(digits).ok_or(Malformed::UnknownCountryCode)?
    } else if let Some(rest) = plan::strip_idd(home_r, digits) {
        plan::split_country_code(rest).ok_or(Malformed::UnknownCountryCode)?
    } else {
        (country_of(home_r), digits)
    };
    let rules = if d.plus || country.cc != home_r.cc { plan::main_region(country) } else { home_r };
    let np = rules.national_prefix.as_bytes();
    // As often as it leads: the prefix as displayed (`+8201*` for `+82 0 01*`) must read
    // back as itself, so that `block remove` with what `block list` shows finds the rule.
    let mut rest = rest;
    while let Some(r) = rest.strip_prefix(np).filter(|r| !np.is_empty() && !r.is_empty()) {
        rest = r;
    }
    let e = key(country.cc, rest).ok_or(Malformed::TooLong)?;
    Ok(Prefix { digits: e.as_u64(), len: e.len() })
}

/// Total E.164 lengths of valid numbers that begin with `prefix`, ascending. Short
/// numbers from our tables are left out: they are matched exactly, never expanded.
pub fn expansion_lengths(prefix: Prefix) -> Vec<u32> {
    let digits = key_digits(prefix.digits);
    let digits = digits.as_bytes();
    let mut lengths = 0u64;
    for cc in plan::country_codes() {
        let cc_digits = plan::cc_digits(cc);
        let cc_digits = cc_digits.as_bytes();
        let n = cc_digits.len().min(digits.len());
        // The prefix fixes the country code, or is the start of several.
        if cc_digits[..n] != digits[..n] {
            continue;
        }
        let Some(c) = plan::country(cc) else { continue };
        let head = &digits[n..];
        let nsn_lengths = tables::expansion_override(cc, head).unwrap_or_else(|| plan::valid_lengths_below(c, head));
        lengths |= u64::from(nsn_lengths) << cc_digits.len();
    }
    (0..64).filter(|&l| lengths & (1 << l) != 0 && l >= prefix.len).collect()
}

fn key_digits(v: u64) -> Buf {
    let mut tmp = [0u8; 20];
    let mut n = 0;
    let mut v = v;
    while v > 0 || n == 0 {
        tmp[n] = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    tmp[..n].reverse();
    Buf::from(&tmp[..n])
}
