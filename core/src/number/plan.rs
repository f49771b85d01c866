//! The numbering plan: country codes, international and national prefixes, number types.
//!
//! Backed by the `phonenumber` crate's metadata, used directly rather than through its
//! `parse`, which strips the *home* region's trunk prefix from `+cc` numbers (trap 1 in
//! the design notes): international forms are read with no home region at all.

use super::clean::Digits;
use super::{tables, E164, Malformed, NumberType, PhoneNumber, Prefix, Region};
use phonenumber::metadata::{Metadata, DATABASE};

pub fn country_code_for_region(region: Region) -> Option<u16> {
    DATABASE.by_id(region.as_str()).map(|m| m.country_code())
}

/// Classifies cleaned digits received by a user in `home`.
pub fn classify(d: &Digits, home: Region) -> Result<PhoneNumber, Malformed> {
    let (cc, nsn) = split(d, home)?;
    Ok(describe(cc, nsn, home))
}

/// The E.164 prefix that list patterns such as `1588*` or `+8270*` mean.
pub fn prefix(d: &Digits, home: Region) -> Result<Prefix, Malformed> {
    let (cc, nsn) = split(d, home)?;
    Prefix::from_digits(&format!("{cc}{nsn}")).ok_or(Malformed::TooLong)
}

/// Splits into country code and national significant number.
fn split(d: &Digits, home: Region) -> Result<(u16, &str), Malformed> {
    let digits = d.as_str();
    if d.plus {
        return split_country_code(digits);
    }
    let meta = DATABASE.by_id(home.as_str()).ok_or(Malformed::UnknownCountryCode)?;
    if let Some(rest) = strip_international_prefix(meta, digits) {
        return split_country_code(rest);
    }
    if tables::short_number(home, digits).is_some() {
        return Ok((meta.country_code(), digits));
    }
    Ok((meta.country_code(), strip_national_prefix(meta, digits)))
}

fn split_country_code(digits: &str) -> Result<(u16, &str), Malformed> {
    for len in 1..=3.min(digits.len()) {
        let Ok(cc) = digits[..len].parse::<u16>() else { break };
        if DATABASE.by_code(&cc).is_some() {
            return Ok((cc, &digits[len..]));
        }
    }
    Err(Malformed::UnknownCountryCode)
}

fn strip_international_prefix<'a>(meta: &Metadata, digits: &'a str) -> Option<&'a str> {
    let re = meta.international_prefix()?;
    let m = re.find(digits)?;
    (m.start() == 0 && m.end() < digits.len()).then(|| &digits[m.end()..])
}

fn strip_national_prefix<'a>(meta: &Metadata, digits: &'a str) -> &'a str {
    let general = meta.descriptors().general();
    let stripped = match meta.national_prefix_for_parsing() {
        Some(re) => match re.find(digits) {
            Some(m) if m.start() == 0 && m.end() > 0 => &digits[m.end()..],
            _ => digits,
        },
        None => match meta.national_prefix() {
            Some(p) if !p.is_empty() => digits.strip_prefix(p).unwrap_or(digits),
            _ => digits,
        },
    };
    // Keep the digits as they were when stripping would turn a valid number invalid.
    if stripped.len() != digits.len() && general.is_match(digits) && !general.is_match(stripped) {
        digits
    } else {
        stripped
    }
}

fn describe(cc: u16, nsn: &str, home: Region) -> PhoneNumber {
    let key = E164::from_digits(&format!("{cc}{nsn}")).unwrap_or(E164(u64::from(cc)));
    let home_cc = country_code_for_region(home);
    if let Some(short) = (home_cc == Some(cc)).then(|| tables::short_number(home, nsn)).flatten() {
        return PhoneNumber {
            e164: key,
            country_code: cc,
            region: Some(home),
            number_type: short,
            valid: true,
            national_only: true,
            traits: tables::traits(cc, nsn, short),
        };
    }
    let metas = DATABASE.by_code(&cc).unwrap_or_default();
    let found = metas.iter().find_map(|m| {
        let leading = m.leading_digits().map(|re| re.find(nsn).is_some_and(|f| f.start() == 0));
        let t = number_type(m, nsn);
        match leading {
            Some(true) => Some((*m, t)),
            Some(false) => None,
            None => (t != NumberType::Unknown).then_some((*m, t)),
        }
    });
    let (region, number_type) = match found {
        Some((m, t)) => (m.id().parse::<Region>().ok(), t),
        None => (None, NumberType::Unknown),
    };
    let national_only = tables::is_national_only(cc, nsn);
    PhoneNumber {
        e164: key,
        country_code: cc,
        region,
        number_type,
        valid: number_type != NumberType::Unknown,
        national_only,
        traits: tables::traits(cc, nsn, number_type),
    }
}

/// The type of a national significant number, in libphonenumber's order of checks.
fn number_type(meta: &Metadata, nsn: &str) -> NumberType {
    let d = meta.descriptors();
    if !d.general().is_match(nsn) {
        return NumberType::Unknown;
    }
    let is = |desc: Option<&phonenumber::metadata::Descriptor>| desc.is_some_and(|x| x.is_match(nsn));
    let ordered = [
        (d.premium_rate(), NumberType::PremiumRate),
        (d.toll_free(), NumberType::TollFree),
        (d.shared_cost(), NumberType::SharedCost),
        (d.voip(), NumberType::Voip),
        (d.personal_number(), NumberType::PersonalNumber),
        (d.pager(), NumberType::Pager),
        (d.uan(), NumberType::Uan),
        (d.voicemail(), NumberType::Voicemail),
    ];
    if let Some((_, t)) = ordered.iter().find(|(desc, _)| is(*desc)) {
        return *t;
    }
    match (is(d.fixed_line()), is(d.mobile())) {
        (true, true) => NumberType::FixedLineOrMobile,
        (true, false) => NumberType::FixedLine,
        (false, true) => NumberType::Mobile,
        (false, false) => NumberType::Unknown,
    }
}

pub fn format_international(number: E164) -> String {
    match phonenumber::parse(None, number.to_string()) {
        Ok(n) => n.format().mode(phonenumber::Mode::International).to_string(),
        Err(_) => number.to_string(),
    }
}

/// Lengths for which some number under the prefix is valid: the prefix padded with a
/// few sample digits is tried at every length the country's plan allows.
pub fn expansion_lengths(prefix: Prefix) -> Vec<u32> {
    let digits = prefix.digits.to_string();
    let Ok((cc, nsn)) = split_country_code(&digits) else { return Vec::new() };
    let cc_len = (digits.len() - nsn.len()) as u32;
    let metas = DATABASE.by_code(&cc).unwrap_or_default();
    let mut lens: Vec<u32> = (prefix.len.max(cc_len + 1)..=cc_len + 15)
        .filter(|&total| {
            let pad = (total - prefix.len) as usize;
            ['0', '5', '9'].iter().any(|&c| {
                let candidate = format!("{nsn}{}", c.to_string().repeat(pad));
                // Pagers are obsolete; their ranges would multiply every expansion.
                metas.iter().any(|m| !matches!(number_type(m, &candidate), NumberType::Unknown | NumberType::Pager))
            })
        })
        .collect();
    lens.sort_unstable();
    lens.dedup();
    lens
}
