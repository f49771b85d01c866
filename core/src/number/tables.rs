//! Our own tables for what libphonenumber's main metadata does not say: emergency and
//! essential numbers, short service numbers, and ranges with a known abuse history.
//!
//! libphonenumber keeps short numbers in separate metadata (ShortNumberInfo) that the
//! `phonenumber` crate does not ship, and its parser calls 112 or 95588 "invalid". A call
//! blocker must recognise them (an emergency callback must never be blocked), so we keep
//! a small hand-written list per region: exact emergency numbers, and short-code shapes
//! (leading digits + total length). Sources: national regulators' published short-number
//! plans (KCC/MSIT for KR, MIIT for CN, FCC N11 for NANP, Ofcom, BNetzA, ARCEP, TRAI,
//! ACMA, MIC for JP) and the EU's harmonised 116xxx range; kept deliberately conservative.

use super::{NumberType, Traits};

/// Numbers every GSM/UMTS handset treats as emergency numbers, in any country
/// (3GPP TS 22.101): a call presenting them is never screened out.
const EVERYWHERE: &[&str] = &["112", "911"];

// The tables are keyed by country calling code rather than region, so that a short number
// reads the same at home (`112`) and with its code (`+82112`, which names no region).
// Regions sharing a code share their entries (US/CA, GB/GG/JE/IM, RU/KZ), as they share
// most short numbers in practice.

/// Country codes of the EU, EEA, Switzerland and the UK, which all answer 112 and the
/// 116xxx "harmonised services of social value" (missing children, child helplines,
/// emotional support, victims, out-of-hours medical care).
const EU_LIKE: &[u16] = &[
    30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 351, 352, 353, 354, 356, 357, 358, 359, 370, 371,
    372, 385, 386, 420, 421, 423,
];
const EU_116: &[&str] = &["116000", "116006", "116111", "116117", "116123"];

/// Emergency and essential numbers per country code, exact.
const EMERGENCY: &[(u16, &[&str])] = &[
    // KR: police, fire/ambulance, coast guard, spy/terror, school violence, cyber crime,
    // smuggling, missing persons, women's and youth crisis lines, suicide prevention,
    // health and welfare crisis line.
    (82, &["112", "119", "122", "111", "113", "117", "118", "125", "182", "1366", "1388", "1393", "129"]),
    // CN: police, fire, ambulance, traffic police, SMS police, maritime and forest rescue.
    (86, &["110", "119", "120", "122", "12110", "12395", "12119", "999"]),
    // US/CA: emergency, suicide and crisis lifeline.
    (1, &["911", "988"]),
    // JP: police, coast guard, fire/ambulance, disaster message line.
    (81, &["110", "118", "119", "171"]),
    // GB: emergency, NHS, police non-emergency, power cuts.
    (44, &["999", "111", "101", "105"]),
    // DE: police, public authorities.
    (49, &["110", "115"]),
    // FR: SAMU, police, fire, deaf relay, homeless, children, aviation, sea, terror
    // alerts, suicide prevention.
    (33, &["15", "17", "18", "114", "115", "119", "191", "196", "197", "3114"]),
    // IN: police, fire, ambulance, disaster, women, children, cyber crime.
    (91, &["100", "101", "102", "108", "1091", "1098", "1930"]),
    (61, &["000", "106"]),
    (64, &["111"]),
    (886, &["110", "119", "113", "165"]),
    (852, &["999", "992"]),
    (65, &["999", "995"]),
    (7, &["101", "102", "103", "104"]),
    (55, &["190", "192", "193", "199", "180"]),
    (52, &["911", "089"]),
    (34, &["091", "092", "061", "062", "080", "085", "016", "024"]),
    (39, &["113", "115", "118", "1522"]),
];

/// Short service numbers (not emergencies) as `(country code, leading digits, lengths)`.
const SHORT: &[(u16, &str, &[usize])] = &[
    // KR 1xx / 1xxx: public and carrier services (114 directory, 1330, ...).
    (82, "1", &[3, 4]),
    // CN 95xxx / 96xxx nationwide service numbers (banks, insurers, airlines, railways),
    // 100xx carrier services, 12xxx government hotlines (12315, 12345), 11x (114
    // directory). Longer 95 numbers overlap fixed lines (0955 area) and are left to the plan.
    (86, "95", &[5, 6]),
    (86, "96", &[5, 6]),
    (86, "100", &[5]),
    (86, "12", &[5]),
    (86, "11", &[3]),
    // NANP N11 codes: 211 community, 311 city, 411 directory, 511 traffic, 611 carrier,
    // 711 relay, 811 dig-safe.
    (1, "211", &[3]),
    (1, "311", &[3]),
    (1, "411", &[3]),
    (1, "511", &[3]),
    (1, "611", &[3]),
    (1, "711", &[3]),
    (1, "811", &[3]),
    // JP 1xx carrier and public services (104 directory, 117 time, 177 weather).
    (81, "1", &[3]),
    // GB 118xxx directory enquiries, 100 operator, 123 speaking clock.
    (44, "118", &[6]),
    (44, "100", &[3]),
    (44, "123", &[3]),
    // DE 118xx directory enquiries.
    (49, "118", &[5]),
    // FR 10xx operator hotlines, 118xxx directories, 3xxx service numbers.
    (33, "10", &[4]),
    (33, "118", &[6]),
    (33, "3", &[4]),
    // IN 1xx-1xxxx public services (139 railways, 1912 electricity, ...).
    (91, "1", &[3, 4, 5]),
];

/// What `digits` (dialled inside country `cc`) is, if it is an emergency or short number.
pub fn short_number(cc: u16, digits: &[u8]) -> Option<NumberType> {
    // Every entry is 2 to 6 digits: skip the lists for ordinary numbers.
    if !(2..=6).contains(&digits.len()) {
        return None;
    }
    let is = |w: &&str| w.as_bytes() == digits;
    let emergency = EVERYWHERE.iter().any(is)
        || EMERGENCY.iter().any(|(c, list)| *c == cc && list.iter().any(is))
        || (EU_LIKE.contains(&cc) && EU_116.iter().any(is));
    if emergency {
        return Some(NumberType::Emergency);
    }
    SHORT
        .iter()
        .any(|(c, lead, lens)| *c == cc && digits.starts_with(lead.as_bytes()) && lens.contains(&digits.len()))
        .then_some(NumberType::ShortCode)
}

/// KR national representative numbers ("대표번호"): 15xx, 16xx, 18xx plus four digits,
/// reachable only inside Korea; mostly businesses and call centres.
pub fn is_representative(cc: u16, nsn: &[u8]) -> bool {
    cc == 82 && nsn.len() == 8 && matches!(&nsn[..2], b"15" | b"16" | b"18")
}

/// Numbers that only exist inside their country, even when written in E.164 form, beyond
/// what the metadata marks "no international dialling" (which covers CN 400/800 and 950).
pub fn is_national_only(cc: u16, nsn: &[u8]) -> bool {
    is_representative(cc, nsn)
        // CN 95xxx / 96xxx service numbers.
        || (cc == 86 && nsn.len() <= 8 && matches!(nsn.first(), Some(b'9')))
}

/// NSN lengths (bit mask) to use instead of the plan's when expanding a prefix rule.
/// KR: below a representative block (`1588`, `1644`, `1899`, ...) only the 8-digit
/// representative numbers; the metadata's pager range `15\d{7,8}` (the former 015 pagers)
/// overlaps their leading digits and would add a million numbers nobody is called from.
pub fn expansion_override(cc: u16, head: &[u8]) -> Option<u32> {
    (cc == 82 && head.len() >= 4 && matches!(&head[..2], b"15" | b"16" | b"18")).then_some(1 << 8)
}

/// Country calling codes with a history of one-ring ("wangiri") callback scams: premium
/// or high-termination-rate destinations named in regulators' warnings (FCC, BEREC
/// members, KISA). A trait for the heuristics, not a verdict.
const ONE_RING_CODES: &[u16] = &[
    53, 216, 222, 223, 224, 225, 231, 232, 235, 236, 237, 241, 242, 243, 247, 252, 261, 269, 290, 355, 371, 373, 375,
    381, 387, 592, 597, 675, 677, 678, 679, 682, 683, 686, 687, 689, 690, 691, 692, 870, 881, 882, 883, 979,
];

/// NANP area codes in the Caribbean (outside US territories and Canada). Callers in the
/// US/Canada dial them like domestic numbers but pay international rates; FCC warnings
/// about one-ring scams name them (268, 284, 473, 649, 664, 767, 809, 829, 849, 876, ...).
const ONE_RING_NANP_AREAS: &[&[u8; 3]] = &[
    b"242", b"246", b"264", b"268", b"284", b"345", b"441", b"473", b"649", b"658", b"664", b"721", b"758", b"767",
    b"784", b"809", b"829", b"849", b"868", b"869", b"876",
];

/// CN mobile virtual network operator ranges (162, 165, 167, 170, 171), widely abused for
/// fraud and marketing because their SIMs were easy to obtain.
fn is_cn_virtual_operator(cc: u16, nsn: &[u8]) -> bool {
    cc == 86 && nsn.len() == 11 && matches!(&nsn[..3], b"162" | b"165" | b"167" | b"170" | b"171")
}

fn is_premium(cc: u16, nsn: &[u8]) -> bool {
    match cc {
        979 => true,                  // international premium rate
        82 => nsn.starts_with(b"60"), // KR 060 information services
        1 => nsn.starts_with(b"900"), // NANP 900
        _ => false,
    }
}

pub fn traits(cc: u16, nsn: &[u8], number_type: NumberType) -> Traits {
    Traits {
        emergency: number_type == NumberType::Emergency,
        representative: is_representative(cc, nsn),
        premium_rate: number_type == NumberType::PremiumRate || is_premium(cc, nsn),
        one_ring_risk: ONE_RING_CODES.contains(&cc)
            || (cc == 1 && nsn.len() >= 3 && ONE_RING_NANP_AREAS.iter().any(|a| nsn.starts_with(&a[..]))),
        virtual_operator: is_cn_virtual_operator(cc, nsn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::plan;

    #[test]
    fn entries_are_short_digit_strings() {
        let all = EVERYWHERE.iter().chain(EU_116).chain(EMERGENCY.iter().flat_map(|(_, l)| l.iter()));
        for w in all {
            assert!((2..=6).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()), "{w:?}");
        }
        for (cc, lead, lens) in SHORT {
            assert!(plan::country(*cc).is_some(), "+{cc}");
            assert!(
                lead.bytes().all(|b| b.is_ascii_digit())
                    && lens.iter().all(|l| (2..=6).contains(l) && *l >= lead.len())
            );
        }
        for (cc, _) in EMERGENCY {
            assert!(plan::country(*cc).is_some(), "+{cc}");
        }
        for cc in EU_LIKE {
            assert!(plan::country(*cc).is_some(), "+{cc}");
        }
    }

    /// Our tables never hide a number the plan calls valid: every short number shape
    /// lies where the metadata has no valid number of that length.
    #[test]
    fn tables_do_not_shadow_valid_numbers() {
        for (cc, list) in EMERGENCY {
            let c = plan::country(*cc).unwrap();
            for w in *list {
                let t = plan::classify(c, w.as_bytes()).number_type;
                assert_eq!(t, NumberType::Unknown, "+{cc} {w} is a valid {t:?} number");
            }
        }
        for (cc, lead, lens) in SHORT {
            let c = plan::country(*cc).unwrap();
            let valid = plan::valid_lengths_below(c, lead.as_bytes());
            for &l in *lens {
                assert_eq!(valid & (1 << l), 0, "+{cc} {lead}: valid numbers of length {l} exist");
            }
        }
    }

    #[test]
    fn per_region_lookups() {
        assert_eq!(short_number(82, b"112"), Some(NumberType::Emergency));
        assert_eq!(short_number(82, b"119"), Some(NumberType::Emergency));
        assert_eq!(short_number(82, b"114"), Some(NumberType::ShortCode));
        assert_eq!(short_number(82, b"1588"), Some(NumberType::ShortCode));
        assert_eq!(short_number(82, b"15881234"), None);
        assert_eq!(short_number(82, b"110"), Some(NumberType::ShortCode));
        assert_eq!(short_number(86, b"110"), Some(NumberType::Emergency));
        assert_eq!(short_number(86, b"95588"), Some(NumberType::ShortCode));
        assert_eq!(short_number(86, b"9558"), None);
        assert_eq!(short_number(86, b"10086"), Some(NumberType::ShortCode));
        assert_eq!(short_number(86, b"12315"), Some(NumberType::ShortCode));
        assert_eq!(short_number(1, b"911"), Some(NumberType::Emergency));
        assert_eq!(short_number(1, b"411"), Some(NumberType::ShortCode));
        assert_eq!(short_number(1, b"911911"), None);
        assert_eq!(short_number(1, b"116117"), None);
        assert_eq!(short_number(49, b"116117"), Some(NumberType::Emergency));
        assert_eq!(short_number(33, b"15"), Some(NumberType::Emergency));
        assert_eq!(short_number(61, b"000"), Some(NumberType::Emergency));
        assert_eq!(short_number(380, b"112"), Some(NumberType::Emergency));
    }

    #[test]
    fn traits_per_region() {
        let t = |cc, nsn: &str, nt| traits(cc, nsn.as_bytes(), nt);
        assert!(t(82, "15881234", NumberType::Uan).representative);
        assert!(t(82, "18991234", NumberType::Uan).representative);
        assert!(!t(82, "1012345678", NumberType::Mobile).representative);
        assert!(!t(86, "15881234", NumberType::Unknown).representative);
        assert!(t(82, "607001234", NumberType::PremiumRate).premium_rate);
        assert!(t(82, "607001234", NumberType::Unknown).premium_rate);
        assert!(t(1, "9002345678", NumberType::Unknown).premium_rate);
        assert!(t(979, "123456789", NumberType::Unknown).premium_rate);
        assert!(!t(1, "2127365000", NumberType::FixedLineOrMobile).premium_rate);
        assert!(t(86, "17012345678", NumberType::Mobile).virtual_operator);
        assert!(!t(86, "1701234567", NumberType::Mobile).virtual_operator);
        assert!(!t(86, "13812345678", NumberType::Mobile).virtual_operator);
        assert!(t(1, "8769271234", NumberType::FixedLine).one_ring_risk);
        assert!(t(1, "8091234567", NumberType::FixedLine).one_ring_risk);
        assert!(!t(1, "8001234567", NumberType::TollFree).one_ring_risk);
        assert!(t(243, "123456789", NumberType::Unknown).one_ring_risk);
        assert!(!t(82, "1012345678", NumberType::Mobile).one_ring_risk);
        assert!(t(82, "112", NumberType::Emergency).emergency);
        assert!(
            is_national_only(82, b"15881234")
                && is_national_only(86, b"95588")
                && !is_national_only(86, b"13812345678")
        );
    }
}
