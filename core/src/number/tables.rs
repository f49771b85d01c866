//! Our own tables for what the numbering-plan metadata does not say: emergency and
//! short service numbers per region, and ranges with a spam history.

use super::{NumberType, Region, Traits};

/// Emergency and essential numbers per region. The EU's 112 works everywhere GSM does.
const EMERGENCY: &[(&str, &[&str])] = &[
    ("KR", &["112", "119", "122", "111", "113", "117", "118", "125", "182", "1366", "1388"]),
    ("CN", &["110", "119", "120", "122", "12110", "12395", "999"]),
    ("US", &["911", "988", "933"]),
    ("CA", &["911", "988"]),
    ("GB", &["999", "111", "101", "116117", "116123"]),
    ("DE", &["110", "116117", "116116", "116111"]),
    ("FR", &["15", "17", "18", "114", "115", "119", "191", "196", "197"]),
    ("JP", &["110", "118", "119"]),
    ("AU", &["000", "106"]),
    ("IN", &["100", "101", "102", "108"]),
];

/// Every region answers 112 (GSM standard) in addition to its own numbers.
const EVERYWHERE: &[&str] = &["112"];

/// Short service numbers that are not emergencies, by region and leading digits
/// (`digits`, total lengths allowed).
const SHORT: &[(&str, &str, &[usize])] = &[
    ("KR", "1", &[3, 4]),
    ("CN", "95", &[5]),
    ("CN", "96", &[5]),
    ("CN", "100", &[5]),
    ("CN", "12", &[5]),
    ("US", "", &[3]),
    ("CA", "", &[3]),
];

/// What `digits` (as dialled inside `region`) is, if it is an emergency or short number.
pub fn short_number(region: Region, digits: &str) -> Option<NumberType> {
    let r = region.as_str();
    let emergency = EVERYWHERE.contains(&digits)
        || EMERGENCY.iter().any(|(reg, list)| *reg == r && list.contains(&digits));
    if emergency {
        return Some(NumberType::Emergency);
    }
    SHORT
        .iter()
        .any(|(reg, lead, lens)| *reg == r && digits.starts_with(lead) && lens.contains(&digits.len()))
        .then_some(NumberType::ShortCode)
}

/// Numbers that only exist inside their country, even when typed as E.164.
pub fn is_national_only(cc: u16, nsn: &str) -> bool {
    is_representative(cc, nsn) || (cc == 86 && nsn.len() == 5)
}

/// KR national representative numbers: 15xx, 16xx, 18xx plus four digits.
fn is_representative(cc: u16, nsn: &str) -> bool {
    cc == 82 && nsn.len() == 8 && (nsn.starts_with("15") || nsn.starts_with("16") || nsn.starts_with("18"))
}

/// Country calling codes known for one-ring ("wangiri") callback scams.
const ONE_RING_CODES: &[u16] = &[
    216, 222, 223, 224, 225, 231, 232, 235, 236, 243, 252, 261, 269, 355, 371, 373, 381, 387, 592,
    675, 677, 678, 679, 682, 690, 881, 882, 883,
];

/// NANP area codes outside the US and Canada that one-ring scams use (FCC warnings).
const ONE_RING_NANP_AREAS: &[&str] =
    &["268", "284", "473", "649", "664", "767", "809", "829", "849", "876", "869"];

pub fn traits(cc: u16, nsn: &str, number_type: NumberType) -> Traits {
    Traits {
        emergency: number_type == NumberType::Emergency,
        representative: is_representative(cc, nsn),
        premium_rate: number_type == NumberType::PremiumRate
            || cc == 979
            || (cc == 82 && nsn.starts_with("60"))
            || (cc == 1 && nsn.starts_with("900")),
        one_ring_risk: ONE_RING_CODES.contains(&cc)
            || (cc == 1 && ONE_RING_NANP_AREAS.iter().any(|a| nsn.starts_with(a))),
        virtual_operator: cc == 86
            && nsn.len() == 11
            && ["162", "165", "167", "170", "171"].iter().any(|p| nsn.starts_with(p)),
    }
}
