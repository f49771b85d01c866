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

use super::{NumberType, Region, Traits};

/// Numbers every GSM/UMTS handset treats as emergency numbers, in any country
/// (3GPP TS 22.101): a call presenting them is never screened out.
const EVERYWHERE: &[&str] = &["112", "911"];

/// EU member states (and EEA/CH/GB, which use the same harmonised numbers): 112 plus the
/// 116xxx "harmonised services of social value" (missing children, child helplines,
/// emotional support, victims, out-of-hours medical care).
const EU_LIKE: &[&str] = &[
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU",
    "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];
const EU_116: &[&str] = &["116000", "116006", "116111", "116117", "116123"];

/// Emergency and essential numbers per region, exact.
const EMERGENCY: &[(&str, &[&str])] = &[
    // Police, fire/ambulance, coast guard, spy/terror, school violence, cyber crime,
    // smuggling, missing persons, women's and youth crisis lines, suicide prevention.
    ("KR", &["112", "119", "122", "111", "113", "117", "118", "125", "182", "1366", "1388", "1393", "129"]),
    // Police, fire, ambulance, traffic police, SMS police, maritime and forest rescue.
    ("CN", &["110", "119", "120", "122", "12110", "12395", "12119", "999"]),
    ("US", &["911", "988"]),
    ("CA", &["911", "988"]),
    // Police, coast guard, fire/ambulance; 171 is the disaster message line.
    ("JP", &["110", "118", "119", "171"]),
    ("GB", &["999", "111", "101", "105"]),
    ("DE", &["110", "115"]),
    // SAMU, police, fire, deaf relay, homeless, children, aviation, sea, terror alerts,
    // suicide prevention.
    ("FR", &["15", "17", "18", "114", "115", "119", "191", "196", "197", "3114"]),
    // Police, fire, ambulance, disaster, women, children, cyber crime.
    ("IN", &["100", "101", "102", "108", "1091", "1098", "1930"]),
    ("AU", &["000", "106"]),
    ("NZ", &["111"]),
    ("TW", &["110", "119", "113", "165"]),
    ("HK", &["999", "992"]),
    ("SG", &["999", "995"]),
    ("RU", &["101", "102", "103", "104"]),
    ("BR", &["190", "192", "193", "199", "180"]),
    ("MX", &["911", "089"]),
    ("ES", &["091", "092", "061", "062", "080", "085", "016", "024"]),
    ("IT", &["113", "115", "118", "1522"]),
];

/// Short service numbers (not emergencies) as `(region, leading digits, total lengths)`.
const SHORT: &[(&str, &str, &[usize])] = &[
    // 1xx / 1xxx: public and carrier services (114 directory, 1330, ...).
    ("KR", "1", &[3, 4]),
    // 95xxx / 96xxx nationwide service numbers (banks, insurers, airlines, railways; up
    // to 8 digits), 100xx carrier services, 12xxx government hotlines (12315, 12345).
    ("CN", "95", &[5, 6, 7, 8]),
    ("CN", "96", &[5, 6, 7, 8]),
    ("CN", "100", &[5]),
    ("CN", "12", &[5]),
    ("CN", "11", &[3]),
    // NANP N11 codes: 211 community, 311 city, 411 directory, 511 traffic, 611 carrier,
    // 711 relay, 811 dig-safe.
    ("US", "211", &[3]),
    ("US", "311", &[3]),
    ("US", "411", &[3]),
    ("US", "511", &[3]),
    ("US", "611", &[3]),
    ("US", "711", &[3]),
    ("US", "811", &[3]),
    ("CA", "211", &[3]),
    ("CA", "311", &[3]),
    ("CA", "411", &[3]),
    ("CA", "511", &[3]),
    ("CA", "611", &[3]),
    ("CA", "711", &[3]),
    ("CA", "811", &[3]),
    // 1xx carrier and public services (104 directory, 117 time, 177 weather).
    ("JP", "1", &[3]),
    // 118xxx directory enquiries, 100 operator, 123 speaking clock.
    ("GB", "118", &[6]),
    ("GB", "100", &[3]),
    ("GB", "123", &[3]),
    // 118xx directory enquiries.
    ("DE", "118", &[5]),
    // 10xx operator hotlines, 118xxx directories, 3xxx service numbers.
    ("FR", "10", &[4]),
    ("FR", "118", &[6]),
    ("FR", "3", &[4]),
    // 1xx-1xxxx public services (139 railways, 1912 electricity, ...).
    ("IN", "1", &[3, 4, 5]),
];

fn region_in(region: Region, list: &[&str]) -> bool {
    list.iter().any(|r| r.as_bytes() == region.0)
}

/// What `digits` (dialled inside `region`) is, if it is an emergency or short number.
pub fn short_number(region: Region, digits: &[u8]) -> Option<NumberType> {
    // Every entry is 2 to 6 digits: skip the lists for ordinary numbers.
    if !(2..=6).contains(&digits.len()) {
        return None;
    }
    let is = |w: &&str| w.as_bytes() == digits;
    let emergency = EVERYWHERE.iter().any(is)
        || EMERGENCY.iter().any(|(r, list)| r.as_bytes() == region.0 && list.iter().any(is))
        || (region_in(region, EU_LIKE) && EU_116.iter().any(is));
    if emergency {
        return Some(NumberType::Emergency);
    }
    SHORT
        .iter()
        .any(|(r, lead, lens)| {
            r.as_bytes() == region.0 && digits.starts_with(lead.as_bytes()) && lens.contains(&digits.len())
        })
        .then_some(NumberType::ShortCode)
}

/// KR national representative numbers ("대표번호"): 15xx, 16xx, 18xx plus four digits,
/// reachable only inside Korea; mostly businesses and call centres.
pub fn is_representative(cc: u16, nsn: &[u8]) -> bool {
    cc == 82 && nsn.len() == 8 && matches!(&nsn[..2], b"15" | b"16" | b"18")
}

/// Numbers that only exist inside their country, even when written in E.164 form.
pub fn is_national_only(cc: u16, nsn: &[u8]) -> bool {
    is_representative(cc, nsn)
        // CN 400 numbers are reachable from abroad (+86 400 ...); 95xxx/96xxx are not.
        || (cc == 86 && nsn.len() <= 8 && matches!(nsn.first(), Some(b'9')))
}

/// Country calling codes with a history of one-ring ("wangiri") callback scams: premium
/// or high-termination-rate destinations named in regulators' warnings (FCC, BEREC
/// members, KISA). A trait for the heuristics, not a verdict.
const ONE_RING_CODES: &[u16] = &[
    53, 216, 222, 223, 224, 225, 231, 232, 235, 236, 237, 241, 242, 243, 247, 252, 261, 269, 290,
    355, 371, 373, 375, 381, 387, 592, 597, 675, 677, 678, 679, 682, 683, 686, 687, 689, 690, 691,
    692, 870, 881, 882, 883, 979,
];

/// NANP area codes in the Caribbean (outside US territories and Canada). Callers in the
/// US/Canada dial them like domestic numbers but pay international rates; FCC warnings
/// about one-ring scams name them (268, 284, 473, 649, 664, 767, 809, 829, 849, 876, ...).
const ONE_RING_NANP_AREAS: &[&[u8; 3]] = &[
    b"242", b"246", b"264", b"268", b"284", b"345", b"441", b"473", b"649", b"658", b"664", b"721",
    b"758", b"767", b"784", b"809", b"829", b"849", b"868", b"869", b"876",
];

/// CN mobile virtual network operator ranges (162, 165, 167, 170, 171), widely abused for
/// fraud and marketing because their SIMs were easy to obtain.
fn is_cn_virtual_operator(cc: u16, nsn: &[u8]) -> bool {
    cc == 86 && nsn.len() == 11 && matches!(&nsn[..3], b"162" | b"165" | b"167" | b"170" | b"171")
}

fn is_premium(cc: u16, nsn: &[u8]) -> bool {
    match cc {
        979 => true,                                                           // international premium rate
        82 => nsn.starts_with(b"60"),                                          // KR 060 information services
        1 => nsn.starts_with(b"900"),                                          // NANP 900
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

/// Total lengths (without country code) of short numbers in `region` that begin with
/// `head`, as a bit mask: for expanding prefix rules such as `+82114*`.
pub fn short_lengths_below(region: Region, head: &[u8]) -> u32 {
    let mut mask = 0u32;
    let mut add = |w: &[u8], lens: &[usize]| {
        for &l in lens {
            let n = head.len().min(w.len());
            if l >= head.len() && head[..n] == w[..n] {
                mask |= 1 << l;
            }
        }
    };
    for w in EVERYWHERE {
        add(w.as_bytes(), &[w.len()]);
    }
    for (r, list) in EMERGENCY {
        if r.as_bytes() == region.0 {
            list.iter().for_each(|w| add(w.as_bytes(), &[w.len()]));
        }
    }
    if region_in(region, EU_LIKE) {
        EU_116.iter().for_each(|w| add(w.as_bytes(), &[w.len()]));
    }
    for (r, lead, lens) in SHORT {
        if r.as_bytes() == region.0 {
            add(lead.as_bytes(), lens);
        }
    }
    mask
}
