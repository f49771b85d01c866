//! Phone numbers: from whatever a phone delivers as caller ID to one canonical key.
//!
//! `parse` turns a raw caller ID (`+82 10-1234-5678`, `010-1234-5678`, `tel:...`,
//! full-width digits, `anonymous`, ...) into a [`Caller`]: hidden, a classified
//! [`PhoneNumber`], or a malformed input with the reason. `parse_pattern` does the same
//! for block/allow list entries, which may end in `*` (a prefix).
//!
//! Numbers are read the way Google's libphonenumber reads them (same E.164 result, same
//! number type, from the same metadata), with three additions a call blocker needs: our own
//! tables of emergency and short numbers (`tables.rs`), traits such as premium rate or
//! one-ring risk, and `+cc` numbers that never depend on the home region. The metadata is
//! compiled into static tables at build time (`build.rs`, `data.rs`, `plan.rs`): there is
//! nothing to load or initialise, and nothing on the hot path allocates or locks.

mod clean;
mod data;
mod group;
mod parse;
mod plan;
mod short;
mod tables;

#[cfg(test)]
mod reference_tests;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use clean::MAX_INPUT_CHARS;
pub use group::Group;

/// No emergency number has a longer key: a country code and at most
/// `tables::MAX_EMERGENCY_DIGITS` digits. Longer keys need not be checked for one.
pub const MAX_EMERGENCY_KEY_DIGITS: u32 = 3 + tables::MAX_EMERGENCY_DIGITS as u32;

/// An ISO 3166-1 alpha-2 region ("KR", "US", "CN"), stored as two uppercase ASCII bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region([u8; 2]);

impl Region {
    pub const US: Region = Region(*b"US");
    pub const KR: Region = Region(*b"KR");
    pub const CN: Region = Region(*b"CN");

    pub fn as_str(&self) -> &str {
        // Only ever built from two ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country calling code of this region, if the numbering plan knows it.
    pub fn country_code(&self) -> Option<u16> {
        plan::region_data(*self).map(|r| r.cc)
    }

    /// Every region the numbering plan knows, in table order.
    pub fn all() -> impl Iterator<Item = Region> {
        plan::all_regions()
    }
}

/// What the number module refuses (its own error, so that it depends on nothing else in
/// the crate; `crate::Error::Number` wraps it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("unknown region {0:?}: use a two-letter ISO 3166 code such as KR, US or CN")]
    UnknownRegion(String),
    #[error("{pattern:?} is not a number, prefix or group: it {why}")]
    InvalidPattern { pattern: String, why: String },
}

impl FromStr for Region {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.trim().as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            let r = Region([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]);
            if r.country_code().is_some() {
                return Ok(r);
            }
        }
        Err(NumberError::UnknownRegion(s.chars().take(16).collect()))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.as_str())
    }
}

/// The canonical key of a number: its E.164 digits (country code first, no `+`) as an
/// integer. The first digit of a country code is never 0, so the integer is unambiguous.
/// Short and national-only numbers get their country code in front (`+82112`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(u64);

/// Serialized as the `+`-prefixed string: JSON numbers lose precision past 2^53.
impl Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl E164 {
    /// Longest key: a country code and libphonenumber's longest national number (17
    /// digits: JP and ID domestic toll-free numbers), 19 digits in all.
    pub const MAX_DIGITS: u32 = 19;
    /// The largest key: keys are stored as SQLite's signed 64-bit integers.
    pub const MAX: u64 = i64::MAX as u64;

    /// From the digits without `+`. `None` if empty, too long, leading zero or not digits.
    pub fn from_digits(digits: &str) -> Option<E164> {
        let b = digits.as_bytes();
        if b.is_empty() || b.len() > Self::MAX_DIGITS as usize || b[0] == b'0' {
            return None;
        }
        let mut v: u64 = 0;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        }
        E164::from_u64(v)
    }

    /// From the integer form; `None` for 0 or above [`E164::MAX`].
    pub fn from_u64(v: u64) -> Option<E164> {
        (v != 0 && v <= Self::MAX).then_some(E164(v))
    }

    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// Number of digits in the key.
    pub fn len(&self) -> u32 {
        self.0.checked_ilog10().unwrap_or(0) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The digits without `+` (what iOS Call Directory wants).
    pub fn digits(&self) -> String {
        self.0.to_string()
    }

    /// Whether this number begins with the given prefix.
    pub fn has_prefix(&self, prefix: &Prefix) -> bool {
        let len = self.len();
        len >= prefix.len && self.0 / 10u64.pow(len - prefix.len) == prefix.digits
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

/// A leading run of E.164 digits, e.g. `+8270` for every Korean 070 number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Prefix {
    /// The digits as an integer (no leading zero, as in [`E164`]).
    pub digits: u64,
    /// How many digits.
    pub len: u32,
}

impl Prefix {
    pub fn from_digits(digits: &str) -> Option<Prefix> {
        let e = E164::from_digits(digits)?;
        Some(Prefix { digits: e.0, len: digits.len() as u32 })
    }

    /// The prefix of `number` with `len` digits, if it has that many.
    pub fn of(number: E164, len: u32) -> Option<Prefix> {
        let n = number.len();
        (len >= 1 && len <= n).then(|| Prefix { digits: number.0 / 10u64.pow(n - len), len })
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}*", self.digits)
    }
}

/// What kind of line a number is, as the numbering plan says (plus our own tables for
/// short and emergency numbers).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberType {
    FixedLine,
    Mobile,
    FixedLineOrMobile,
    TollFree,
    PremiumRate,
    SharedCost,
    Voip,
    PersonalNumber,
    Pager,
    Uan,
    Voicemail,
    ShortCode,
    Emergency,
    Unknown,
}

impl NumberType {
    pub const ALL: [NumberType; 14] = [
        NumberType::FixedLine,
        NumberType::Mobile,
        NumberType::FixedLineOrMobile,
        NumberType::TollFree,
        NumberType::PremiumRate,
        NumberType::SharedCost,
        NumberType::Voip,
        NumberType::PersonalNumber,
        NumberType::Pager,
        NumberType::Uan,
        NumberType::Voicemail,
        NumberType::ShortCode,
        NumberType::Emergency,
        NumberType::Unknown,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            NumberType::FixedLine => "fixed_line",
            NumberType::Mobile => "mobile",
            NumberType::FixedLineOrMobile => "fixed_line_or_mobile",
            NumberType::TollFree => "toll_free",
            NumberType::PremiumRate => "premium_rate",
            NumberType::SharedCost => "shared_cost",
            NumberType::Voip => "voip",
            NumberType::PersonalNumber => "personal_number",
            NumberType::Pager => "pager",
            NumberType::Uan => "uan",
            NumberType::Voicemail => "voicemail",
            NumberType::ShortCode => "short_code",
            NumberType::Emergency => "emergency",
            NumberType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts about a number that the decision's heuristics use. The numbering-plan metadata
/// does not type most of these; they come from our own tables (`tables.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Traits {
    /// Emergency or essential service (112, 119, 911, 110, 120, ...): never blocked.
    pub emergency: bool,
    /// Korean national representative number (15xx/16xx/18xx-xxxx).
    pub representative: bool,
    /// Premium-rate line (type premium rate, KR 060, US 900, +979, ...).
    pub premium_rate: bool,
    /// Country code with a history of one-ring ("wangiri") callback scams.
    pub one_ring_risk: bool,
    /// Chinese virtual-operator range (162/165/167/170/171).
    pub virtual_operator: bool,
}

/// A caller ID turned into a classified number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PhoneNumber {
    /// The canonical key.
    pub e164: E164,
    /// Country calling code (82, 1, 86, ...).
    pub country_code: u16,
    /// The region within the country code (US vs CA under +1), `None` when the plan
    /// cannot tell or the code is non-geographic (+800, +979, ...).
    pub region: Option<Region>,
    pub number_type: NumberType,
    /// The number matches its country's numbering plan. An invalid number with a known
    /// country code often means a spoofed caller ID.
    pub valid: bool,
    /// Only dialable inside its country (short codes, KR 1588-xxxx, CN 95xxx, 112).
    pub national_only: bool,
    /// Read from the short-number data (an emergency number or a short code), not from
    /// the numbering plan. Such numbers depend on where they are dialled: `12000` at home
    /// in the US is no number, `+1 12000` is a short code of another +1 region.
    pub short: bool,
    pub traits: Traits,
}

/// Why a caller ID could not be read as a number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Malformed {
    /// Letters or symbols that no phone number contains.
    BadCharacters,
    /// No digits, or too few to be a number: fewer than two in all, or none after the
    /// country code (`+`, `7`, `+82`).
    NoDigits,
    /// More digits (or characters) than any phone number has.
    TooLong,
    /// `+` or an international access prefix followed by no known country code.
    UnknownCountryCode,
}

impl Malformed {
    pub fn as_str(&self) -> &'static str {
        match self {
            Malformed::BadCharacters => "bad_characters",
            Malformed::NoDigits => "no_digits",
            Malformed::TooLong => "too_long",
            Malformed::UnknownCountryCode => "unknown_country_code",
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::BadCharacters => "contains characters that are not part of a phone number",
            Malformed::NoDigits => "contains no number digits",
            Malformed::TooLong => "is longer than any phone number",
            Malformed::UnknownCountryCode => "starts with an unknown country code",
        })
    }
}

/// What a raw caller ID turned out to be.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Caller {
    /// No number presented: empty, "anonymous", "Unknown", "Private", "Restricted", ...
    Hidden,
    Number(PhoneNumber),
    Malformed(Malformed),
}

/// A block/allow list pattern: one number, or every number that begins with a prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Pattern {
    Exact(E164),
    Prefix(Prefix),
    /// A group of numbers by type, region or country code (`type:toll_free`).
    Group(Group),
}

impl Pattern {
    /// Whether the number matches an exact or prefix pattern. A group needs the parsed
    /// number: [`Group::matches`].
    pub fn matches(&self, number: E164) -> bool {
        match self {
            Pattern::Exact(e) => *e == number,
            Pattern::Prefix(p) => number.has_prefix(p),
            Pattern::Group(_) => false,
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Exact(e) => e.fmt(f),
            Pattern::Prefix(p) => p.fmt(f),
            Pattern::Group(g) => g.fmt(f),
        }
    }
}

/// Reads a raw caller ID as received by a phone whose user lives in `home`.
///
/// Never panics; does a bounded amount of work and no allocation, whatever the input.
pub fn parse(raw: &str, home: Region) -> Caller {
    match clean::clean(raw) {
        clean::Cleaned::Hidden => Caller::Hidden,
        clean::Cleaned::Malformed(m) => Caller::Malformed(m),
        clean::Cleaned::Digits(d) => match parse::number(&d, home) {
            Ok(n) => Caller::Number(n),
            Err(m) => Caller::Malformed(m),
        },
    }
}

/// Reads an incoming (or outgoing) call's number: as [`parse`] at home, and, when the
/// phone is roaming on a network of another region, an emergency number of that region
/// is read as one (home KR, `117` dialled or calling while in Switzerland).
pub fn parse_call(raw: &str, home: Region, network: Option<Region>) -> Caller {
    let caller = parse(raw, home);
    match network {
        Some(net) if net != home && !matches!(caller, Caller::Number(n) if n.traits.emergency) => match parse(raw, net)
        {
            roaming @ Caller::Number(n) if n.traits.emergency => roaming,
            _ => caller,
        },
        _ => caller,
    }
}

/// Reads a list pattern: a number in any form `parse` accepts, or such a number's
/// leading digits followed by `*` (`+8270*`, `1588*`, `010-1234*`).
pub fn parse_pattern(raw: &str, home: Region) -> Result<Pattern, NumberError> {
    let bad =
        |why: Malformed| NumberError::InvalidPattern { pattern: raw.chars().take(40).collect(), why: why.to_string() };
    let trimmed = raw.trim();
    if let Some(group) = Group::parse(trimmed) {
        return group
            .map(Pattern::Group)
            .map_err(|why| NumberError::InvalidPattern { pattern: raw.chars().take(40).collect(), why });
    }
    if let Some(head) = trimmed.strip_suffix('*') {
        let d = match clean::clean_prefix(head) {
            clean::Cleaned::Digits(d) => d,
            clean::Cleaned::Hidden => return Err(bad(Malformed::NoDigits)),
            clean::Cleaned::Malformed(m) => return Err(bad(m)),
        };
        parse::prefix(&d, home).map(Pattern::Prefix).map_err(bad)
    } else {
        match parse(trimmed, home) {
            Caller::Number(n) => Ok(Pattern::Exact(n.e164)),
            Caller::Hidden => Err(bad(Malformed::NoDigits)),
            Caller::Malformed(m) => Err(bad(m)),
        }
    }
}

/// The number as a person would write it (`+82 10-1234-5678`), for display only:
/// libphonenumber's INTERNATIONAL format, or `+cc digits` where no format applies.
pub fn format_international(number: E164) -> String {
    let digits = number.digits();
    let mut out = String::with_capacity(digits.len() + 6);
    match plan::split_country_code(digits.as_bytes()) {
        Some((c, nsn)) => plan::format_international(c, nsn, &mut out),
        None => {
            out.push('+');
            out.push_str(&digits);
        }
    }
    out
}

/// The total lengths (in E.164 digits) that numbers beginning with `prefix` can have,
/// ascending: the lengths at which the numbering plan has valid numbers under the prefix.
/// Used to expand a prefix rule into whole numbers for iOS's Call Directory (`+821588*`
/// gives `[10]`, `+1212*` gives `[11]`, `+8210*` gives `[11, 12]`). Short numbers (112,
/// 95588) are not included: rules match them exactly. Empty when nothing valid begins with
/// the prefix.
pub fn expansion_lengths(prefix: Prefix) -> Vec<u32> {
    parse::expansion_lengths(prefix)
}
