//! Caller-ID normalisation: `ringfence_core::number::parse` as FFI records.

use crate::{guard, RingfenceError};
use ringfence_core::number::{self as core, Caller, Region};

/// What kind of line a number is (numbering plan plus ringfence's own short-number tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<core::NumberType> for NumberType {
    fn from(t: core::NumberType) -> Self {
        use core::NumberType as T;
        match t {
            T::FixedLine => NumberType::FixedLine,
            T::Mobile => NumberType::Mobile,
            T::FixedLineOrMobile => NumberType::FixedLineOrMobile,
            T::TollFree => NumberType::TollFree,
            T::PremiumRate => NumberType::PremiumRate,
            T::SharedCost => NumberType::SharedCost,
            T::Voip => NumberType::Voip,
            T::PersonalNumber => NumberType::PersonalNumber,
            T::Pager => NumberType::Pager,
            T::Uan => NumberType::Uan,
            T::Voicemail => NumberType::Voicemail,
            T::ShortCode => NumberType::ShortCode,
            T::Emergency => NumberType::Emergency,
            T::Unknown => NumberType::Unknown,
        }
    }
}

impl From<NumberType> for core::NumberType {
    fn from(t: NumberType) -> Self {
        use core::NumberType as T;
        match t {
            NumberType::FixedLine => T::FixedLine,
            NumberType::Mobile => T::Mobile,
            NumberType::FixedLineOrMobile => T::FixedLineOrMobile,
            NumberType::TollFree => T::TollFree,
            NumberType::PremiumRate => T::PremiumRate,
            NumberType::SharedCost => T::SharedCost,
            NumberType::Voip => T::Voip,
            NumberType::PersonalNumber => T::PersonalNumber,
            NumberType::Pager => T::Pager,
            NumberType::Uan => T::Uan,
            NumberType::Voicemail => T::Voicemail,
            NumberType::ShortCode => T::ShortCode,
            NumberType::Emergency => T::Emergency,
            NumberType::Unknown => T::Unknown,
        }
    }
}

/// Why a caller ID could not be read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MalformedReason {
    /// Letters or symbols that no phone number contains.
    BadCharacters,
    /// No digits at all.
    NoDigits,
    /// More digits than any phone number has.
    TooLong,
    /// `+` or an international prefix followed by no known country code.
    UnknownCountryCode,
}

impl From<core::Malformed> for MalformedReason {
    fn from(m: core::Malformed) -> Self {
        use core::Malformed as M;
        match m {
            M::BadCharacters => MalformedReason::BadCharacters,
            M::NoDigits => MalformedReason::NoDigits,
            M::TooLong => MalformedReason::TooLong,
            M::UnknownCountryCode => MalformedReason::UnknownCountryCode,
        }
    }
}

/// Facts about a number that screening heuristics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct NumberTraits {
    /// Emergency or essential service (112, 119, 911, ...): never blocked.
    pub emergency: bool,
    /// Korean national representative number (15xx/16xx/18xx-xxxx).
    pub representative: bool,
    /// Premium-rate line.
    pub premium_rate: bool,
    /// Country code with a history of one-ring ("wangiri") callback scams.
    pub one_ring_risk: bool,
    /// Chinese virtual-operator range (162/165/167/170/171).
    pub virtual_operator: bool,
}

impl From<core::Traits> for NumberTraits {
    fn from(t: core::Traits) -> Self {
        NumberTraits {
            emergency: t.emergency,
            representative: t.representative,
            premium_rate: t.premium_rate,
            one_ring_risk: t.one_ring_risk,
            virtual_operator: t.virtual_operator,
        }
    }
}

/// A raw caller ID read as a number. Exactly one of three shapes:
/// - a number: `e164` set (and `hidden == false`, `malformed == null`);
/// - hidden (no number presented: empty, "anonymous", "Private", ...): `hidden == true`;
/// - malformed: `malformed` says why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NormalizedNumber {
    /// The canonical key with a leading `+`, e.g. "+821012345678". National-only and
    /// short numbers keep their country code ("+8215881234", "+82112").
    pub e164: Option<String>,
    /// For display: the number as a person writes it ("+82 10-1234-5678").
    pub formatted: Option<String>,
    pub country_code: Option<u16>,
    /// ISO 3166 region within the country code ("KR", "US" vs "CA"), when known.
    pub region: Option<String>,
    pub number_type: NumberType,
    /// The number fits its country's numbering plan (invalid often means spoofed).
    pub valid: bool,
    /// Only dialable inside its country (1588-1234, 95588, 112).
    pub national_only: bool,
    pub traits: NumberTraits,
    /// No number was presented.
    pub hidden: bool,
    /// The caller ID is not a phone number, and why.
    pub malformed: Option<MalformedReason>,
}

impl NormalizedNumber {
    fn empty() -> Self {
        NormalizedNumber {
            e164: None,
            formatted: None,
            country_code: None,
            region: None,
            number_type: NumberType::Unknown,
            valid: false,
            national_only: false,
            traits: NumberTraits::default(),
            hidden: false,
            malformed: None,
        }
    }
}

impl From<Caller> for NormalizedNumber {
    fn from(c: Caller) -> Self {
        match c {
            Caller::Hidden => NormalizedNumber { hidden: true, ..Self::empty() },
            Caller::Malformed(m) => NormalizedNumber { malformed: Some(m.into()), ..Self::empty() },
            Caller::Number(n) => NormalizedNumber {
                e164: Some(n.e164.to_string()),
                formatted: Some(core::format_international(n.e164)),
                country_code: Some(n.country_code),
                region: n.region.map(|r| r.as_str().to_string()),
                number_type: n.number_type.into(),
                valid: n.valid,
                national_only: n.national_only,
                traits: n.traits.into(),
                hidden: false,
                malformed: None,
            },
        }
    }
}

/// Reads a raw caller ID (`+82 10-1234-5678`, `010-1234-5678`, `tel:...`, full-width
/// digits, `anonymous`, ...) as received by a phone whose user lives in `home_region`
/// (ISO 3166 alpha-2, e.g. "KR"). Fast and safe to call from any thread; the first call
/// in a process builds the numbering-plan tables (tens of milliseconds).
///
/// Errors: `UnknownRegion` if `home_region` is not a known two-letter region.
#[uniffi::export]
pub fn normalize(raw: String, home_region: String) -> Result<NormalizedNumber, RingfenceError> {
    guard(|| {
        let home: Region = home_region.parse()?;
        Ok(core::parse(&raw, home).into())
    })
}
