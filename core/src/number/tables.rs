//! Our own tables for what libphonenumber's metadata does not say: the few emergency
//! numbers its short-number data lacks, and ranges with a known abuse history (the traits
//! the decision's heuristics use).

use super::data::RegionData;
use super::{short, NumberType, Traits};

/// Numbers every GSM/UMTS handset treats as emergency numbers, in any country
/// (3GPP TS 22.101): a call presenting them is never screened out.
const EVERYWHERE: &[&str] = &["112", "911"];

/// Emergency and essential numbers that the short-number data lists in neither its
/// emergency nor its expanded-emergency description, per region, each with the reason.
/// A unit test keeps every entry necessary (not already in the data).
const EXTRA_EMERGENCY: &[(&[u8; 2], &str, &str)] = &[
    (b"KR", "122", "Korea Coast Guard, maritime emergencies"),
    (b"KR", "118", "KISA cyber-crime and hacking help line, which calls victims back"),
    (b"KR", "125", "Korea Customs smuggling reports, which call informants back"),
    (b"KR", "1393", "suicide prevention line"),
    (b"CN", "999", "Red Cross ambulance (Beijing and other cities)"),
    (b"JP", "118", "Japan Coast Guard, maritime emergencies"),
    (b"JP", "171", "NTT disaster message dial, used after earthquakes"),
    (b"GB", "111", "NHS 111, urgent medical care, which calls patients back"),
    (b"GB", "105", "power cuts and electricity emergencies"),
    (b"FR", "3114", "national suicide prevention line"),
    (b"IN", "1098", "Childline, children in distress"),
    (b"IN", "1930", "national cyber-crime and financial-fraud help line"),
    (b"TW", "113", "protection hotline: domestic violence, child abuse"),
    (b"TW", "165", "anti-fraud hotline, which calls victims back"),
    (b"RU", "104", "gas emergency service"),
    (b"ES", "024", "suicide prevention line"),
];

/// No emergency number, in the data or here, has more digits.
pub const MAX_EMERGENCY_DIGITS: usize =
    if super::data::EMERGENCY_MAX_LEN > 4 { super::data::EMERGENCY_MAX_LEN } else { 4 };

/// Whether `digits`, dialled in region `r`, reach an emergency or essential service:
/// the short-number data, 112 and 911 everywhere, and [`EXTRA_EMERGENCY`]. The one
/// emergency rule: parsing, the decision, imports and the server all come through here.
pub fn is_emergency(r: &RegionData, digits: &[u8]) -> bool {
    if digits.len() > MAX_EMERGENCY_DIGITS {
        return false;
    }
    short::info(r, digits).emergency()
        || EVERYWHERE.iter().any(|w| w.as_bytes() == digits)
        || EXTRA_EMERGENCY.iter().any(|(id, n, _)| **id == r.id && n.as_bytes() == digits)
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

    fn region(id: &str) -> &'static RegionData {
        plan::region_data(id.parse().unwrap()).unwrap()
    }

    /// Each hand-written entry is a short digit string of a known region, and necessary:
    /// the data does not already list it.
    #[test]
    fn extra_entries_are_needed() {
        for (id, n, why) in EXTRA_EMERGENCY {
            let r = region(std::str::from_utf8(*id).unwrap());
            assert!(n.len() >= 2 && n.len() <= MAX_EMERGENCY_DIGITS && n.bytes().all(|b| b.is_ascii_digit()));
            assert!(!why.is_empty());
            assert!(!short::info(r, n.as_bytes()).emergency(), "{n} is in the data already");
        }
    }

    /// The numbers the previous hand-written tables held (kept here as a regression list):
    /// each still rings, from the data or from the extras above.
    #[test]
    fn earlier_hand_tables_still_ring() {
        let earlier: &[(&str, &[&str])] = &[
            ("KR", &["112", "119", "122", "111", "113", "117", "118", "125", "182", "1366", "1388", "1393", "129"]),
            ("CN", &["110", "119", "120", "122", "12110", "12395", "12119", "999"]),
            ("US", &["911", "988"]),
            ("JP", &["110", "118", "119", "171"]),
            ("GB", &["999", "111", "101", "105"]),
            // (DE 115, the public-authorities line, is a service number, not an emergency.)
            ("DE", &["110"]),
            ("FR", &["15", "17", "18", "114", "115", "119", "191", "196", "197", "3114"]),
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
        let mut missing = Vec::new();
        for (id, list) in earlier {
            for n in *list {
                if !is_emergency(region(id), n.as_bytes()) {
                    missing.push(format!("{id} {n}"));
                }
            }
        }
        assert!(missing.is_empty(), "no longer emergency: {missing:?}");
    }

    #[test]
    fn per_region_lookups() {
        let e = |id: &str, n: &str| is_emergency(region(id), n.as_bytes());
        assert!(e("KR", "112") && e("KR", "119") && e("KR", "122"));
        assert!(e("CH", "117") && e("NO", "113") && e("PL", "999") && e("AT", "144") && e("ZA", "10111"));
        // 112 and 911 on every handset, even where the data has neither.
        assert!(e("US", "112") && e("KR", "911") && e("CN", "911"));
        assert!(!e("KR", "1588") && !e("KR", "15881234") && !e("US", "911911") && !e("CN", "95588"));
        assert!(!e("KR", "122122"));
        assert!(!e("US", "11211111111111111111"));
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
