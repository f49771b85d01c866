//! Caller IDs in the forms phones deliver, per region, and our own tables.
//! Expected E.164 numbers and types were checked against Google's libphonenumber (C++)
//! where it has an answer; short and emergency numbers are ours (it calls them invalid).

use ringfence_core::number::{
    expansion_lengths, format_international, parse, parse_pattern, Caller, Malformed, NumberType, Pattern, PhoneNumber,
    Prefix, Region, E164,
};
use NumberType::*;

fn region(s: &str) -> Region {
    s.parse().unwrap()
}

fn num(raw: &str, home: &str) -> PhoneNumber {
    match parse(raw, region(home)) {
        Caller::Number(n) => n,
        other => panic!("{raw:?} at home in {home}: {other:?}"),
    }
}

/// `raw` read at home in `home` is `e164` of type `t`, valid unless the type is Unknown.
fn check(raw: &str, home: &str, e164: &str, t: NumberType) -> PhoneNumber {
    let n = num(raw, home);
    assert_eq!(n.e164.to_string(), e164, "{raw:?} at home in {home}");
    assert_eq!(n.number_type, t, "{raw:?} at home in {home}");
    assert_eq!(n.valid, t != Unknown, "{raw:?} at home in {home}: validity");
    n
}

fn malformed(raw: &str, home: &str) -> Malformed {
    match parse(raw, region(home)) {
        Caller::Malformed(m) => m,
        other => panic!("{raw:?} at home in {home}: {other:?}"),
    }
}

#[test]
fn korea_every_form_of_one_mobile_number() {
    for raw in [
        "+82 10-1234-5678",
        "+821012345678",
        "+82-10-1234-5678",
        "+82 (0)10-1234-5678",
        "+82 010 1234 5678",
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "010.1234.5678",
        "(010) 1234-5678",
        "０１０－１２３４－５６７８",
        "＋８２ １０ １２３４ ５６７８",
        "821012345678",
        "tel:+82-10-1234-5678",
        "tel:010-1234-5678;phone-context=+82",
        "sip:+821012345678@ims.sktelecom.com;user=phone",
        "\u{202A}010-1234-5678\u{202C}",
        "\u{200F}+82 10 1234 5678",
        "010-1234-5678 ext. 12",
    ] {
        let n = check(raw, "KR", "+821012345678", Mobile);
        assert_eq!(n.region, Some(Region::KR));
        assert_eq!(n.country_code, 82);
        assert!(!n.national_only && n.traits == Default::default(), "{raw:?}: {n:?}");
    }
}

#[test]
fn korea_number_types_and_traits() {
    check("02-123-4567", "KR", "+8221234567", FixedLine);
    check("031-123-4567", "KR", "+82311234567", FixedLine);
    check("011-123-4567", "KR", "+82111234567", Mobile);
    check("070-1234-5678", "KR", "+827012345678", Voip);
    check("080-123-4567", "KR", "+82801234567", TollFree);
    check("0505-123-4567", "KR", "+825051234567", PersonalNumber);
    check("030-1234-5678", "KR", "+823012345678", Unknown);

    let premium = check("060-700-1234", "KR", "+82607001234", PremiumRate);
    assert!(premium.traits.premium_rate);

    for raw in ["1588-1234", "15881234", "+82 1588 1234", "tel:1588-1234"] {
        let rep = check(raw, "KR", "+8215881234", Uan);
        assert!(rep.traits.representative && rep.national_only, "{raw:?}: {rep:?}");
    }
    let rep = check("1644-1234", "KR", "+8216441234", Uan);
    assert!(rep.traits.representative && rep.national_only);
    // The same number seen from abroad is still a Korean representative number.
    let rep = check("+82 1588-1234", "US", "+8215881234", Uan);
    assert!(rep.traits.representative && rep.national_only);
}

#[test]
fn korea_short_and_emergency_numbers() {
    for (raw, e164) in [("112", "+82112"), ("119", "+82119"), ("122", "+82122"), ("1366", "+821366")] {
        let n = check(raw, "KR", e164, Emergency);
        assert!(n.traits.emergency && n.national_only && n.region == Some(Region::KR));
    }
    check("114", "KR", "+82114", ShortCode);
    // The data lists 1330 as an expanded emergency number (rescue and crisis lines), which
    // ring like emergency numbers (docs/numbers.md).
    check("1330", "KR", "+821330", Emergency);
    // KR 1811/1844/1551 8-digit lines are short codes in the data, not invalid numbers.
    let rep = check("1811-1234", "KR", "+8218111234", ShortCode);
    assert!(rep.valid && rep.traits.representative);
    check("+82 112", "KR", "+82112", Emergency);
    check("+82 112", "US", "+82112", Emergency);
    check("＋８２１１９", "CN", "+82119", Emergency);
}

#[test]
fn korea_international_access_prefixes() {
    check("001-1-212-736-5000", "KR", "+12127365000", FixedLineOrMobile);
    check("002 1 212 736 5000", "KR", "+12127365000", FixedLineOrMobile);
    check("005-1-212-736-5000", "KR", "+12127365000", FixedLineOrMobile);
    check("00700-86-138-1234-5678", "KR", "+8613812345678", Mobile);
    check("008 81 90 1234 5678", "KR", "+819012345678", Mobile);
    // 00 alone is no Korean access prefix: 008 is, and 21... is no country code.
    assert_eq!(malformed("0082 10 1234 5678", "KR"), Malformed::UnknownCountryCode);
}

#[test]
fn plus_numbers_do_not_depend_on_the_home_region() {
    // The phonenumber crate's trap 1: "+82 10 ..." at home in a region whose trunk
    // prefix is 1 or 8 lost a digit.
    for home in ["US", "CA", "RU", "KZ", "BY", "KR", "CN", "JP", "GB", "DE", "FR", "IN", "AU", "AR", "BR", "JM"] {
        check("+82 10 1234 5678", home, "+821012345678", Mobile);
        check("+1 212 736 5000", home, "+12127365000", FixedLineOrMobile);
        check("+86 138 1234 5678", home, "+8613812345678", Mobile);
        check("+7 912 345 67 89", home, "+79123456789", Mobile);
        check("+44 20 7031 3000", home, "+442070313000", FixedLine);
    }
    for home in Region::all() {
        assert_eq!(num("+82 10-1234-5678", home.as_str()).e164.to_string(), "+821012345678", "home {home}");
    }
}

#[test]
fn china_forms_types_and_traits() {
    for raw in [
        "138 1234 5678",
        "13812345678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "0086 138 1234 5678",
        "+86-138-1234-5678",
    ] {
        check(raw, "CN", "+8613812345678", Mobile);
    }
    check("010-12345678", "CN", "+861012345678", FixedLine);
    check("(021)12345678", "CN", "+862112345678", FixedLine);
    check("0755 1234 5678", "CN", "+8675512345678", FixedLine);
    // The metadata marks 400 numbers as not diallable from abroad.
    let n = check("400-123-4567", "CN", "+864001234567", SharedCost);
    assert!(n.national_only);
    check("800-123-4567", "CN", "+868001234567", TollFree);
    for pre in ["162", "165", "167", "170", "171"] {
        let n = check(&format!("{pre} 1234 5678"), "CN", &format!("+86{pre}12345678"), Mobile);
        assert!(n.traits.virtual_operator, "{pre}");
    }
    assert!(!num("138 1234 5678", "CN").traits.virtual_operator);
}

#[test]
fn china_short_and_emergency_numbers() {
    for (raw, e164) in [("95588", "+8695588"), ("95533", "+8695533"), ("96777", "+8696777"), ("10086", "+8610086")] {
        let n = check(raw, "CN", e164, ShortCode);
        assert!(n.national_only && n.region == Some(Region::CN));
    }
    for raw in ["110", "119", "120", "122"] {
        check(raw, "CN", &format!("+86{raw}"), Emergency);
    }
    // The short-number data has no 123xx government hotlines: not a valid number.
    assert!(!num("12315", "CN").valid);
    // Written internationally, from anywhere.
    for home in ["CN", "US", "KR"] {
        let n = check("+86 95588", home, "+8695588", ShortCode);
        assert!(n.national_only);
    }
}

#[test]
fn united_states_forms_types_and_traits() {
    for raw in [
        "(212) 736-5000",
        "212-736-5000",
        "212.736.5000",
        "2127365000",
        "1 212 736 5000",
        "12127365000",
        "+1 (212) 736-5000",
        "tel:+1-212-736-5000",
    ] {
        let n = check(raw, "US", "+12127365000", FixedLineOrMobile);
        assert_eq!(n.region, Some(Region::US));
    }
    check("tel:+1-800-555-0199", "US", "+18005550199", TollFree);
    check("1-800-FLOWERS", "US", "+18003569377", TollFree);
    check("011 44 20 7031 3000", "US", "+442070313000", FixedLine);
    check("736-5000", "US", "+17365000", Unknown);
    check("+1 212 123 4567", "US", "+12121234567", Unknown);
    let p = check("+1 900 234 5678", "US", "+19002345678", PremiumRate);
    assert!(p.traits.premium_rate);
    let ca = check("+1 416 234 5678", "US", "+14162345678", FixedLineOrMobile);
    assert_eq!(ca.region, Some(region("CA")));
    let jm = check("+1 876 927 1234", "US", "+18769271234", FixedLine);
    assert!(jm.traits.one_ring_risk && jm.region == Some(region("JM")));
    let ag = check("1 268 464 1234", "US", "+12684641234", Mobile);
    assert!(ag.traits.one_ring_risk);
    assert!(!num("(212) 736-5000", "US").traits.one_ring_risk);
}

#[test]
fn united_states_short_numbers() {
    for raw in ["911", "988"] {
        check(raw, "US", &format!("+1{raw}"), Emergency);
        check(raw, "CA", &format!("+1{raw}"), Emergency);
    }
    for raw in ["211", "311", "411", "511", "711", "811"] {
        check(raw, "US", &format!("+1{raw}"), ShortCode);
    }
    // The data's cost for 611 (the carrier's help line) is toll free.
    check("611", "US", "+1611", TollFree);
    check("+1 911", "KR", "+1911", Emergency);
    // 112 and 911 are emergency numbers on every GSM handset.
    check("112", "US", "+1112", Emergency);
    check("911", "KR", "+82911", Emergency);
}

#[test]
fn other_regions() {
    check("03-1234-5678", "JP", "+81312345678", FixedLine);
    check("090-1234-5678", "JP", "+819012345678", Mobile);
    check("010 82 10 1234 5678", "JP", "+821012345678", Mobile);
    check("110", "JP", "+81110", Emergency);
    check("020 7031 3000", "GB", "+442070313000", FixedLine);
    check("+44 (0)20 7031 3000", "GB", "+442070313000", FixedLine);
    check("07911 123456", "GB", "+447911123456", Mobile);
    check("999", "GB", "+44999", Emergency);
    check("116123", "GB", "+44116123", Emergency);
    check("030 12345678", "DE", "+493012345678", FixedLine);
    check("0151 12345678", "DE", "+4915112345678", Mobile);
    check("110", "DE", "+49110", Emergency);
    check("116117", "DE", "+49116117", Emergency);
    check("01 23 45 67 89", "FR", "+33123456789", FixedLine);
    check("06 12 34 56 78", "FR", "+33612345678", Mobile);
    check("15", "FR", "+3315", Emergency);
    check("09876543210", "IN", "+919876543210", Mobile);
    check("100", "IN", "+91100", Emergency);
    check("(02) 9876 5432", "AU", "+61298765432", FixedLine);
    check("0011 82 10 1234 5678", "AU", "+821012345678", Mobile);
    check("000", "AU", "+61000", Emergency);
    check("112", "AT", "+43112", Emergency);
    check("06 1234 5678", "IT", "+390612345678", FixedLine);
    check("+39 06 1234 5678", "US", "+390612345678", FixedLine);
    // National prefix transform rules (libphonenumber's hardest cases).
    check("011 15-2345-6789", "AR", "+5491123456789", Mobile);
    check("0 21 11 98765 4321", "BR", "+5511987654321", Mobile);
    check("462 1234", "AG", "+12684621234", FixedLine);
    // Non-geographic codes.
    let n = check("+800 1234 5678", "US", "+80012345678", TollFree);
    assert_eq!(n.region, None);
    let n = check("+979 123 456 789", "KR", "+979123456789", PremiumRate);
    assert!(n.traits.premium_rate && n.traits.one_ring_risk && n.region.is_none());
}

#[test]
fn invalid_numbers_keep_their_key() {
    let n = check("+82 10 123", "US", "+8210123", Unknown);
    assert_eq!(n.region, Some(Region::KR));
    check("+49 1234", "US", "+491234", Unknown);
    let n = check("+1 212 123 4567", "KR", "+12121234567", Unknown);
    assert_eq!(n.country_code, 1);
    // One-ring risk holds whether or not the number is valid.
    assert!(num("+243 1", "US").traits.one_ring_risk);
}

#[test]
fn hidden_callers() {
    for raw in [
        "",
        " ",
        "\u{200E}",
        "anonymous",
        "Anonymous",
        "UNKNOWN",
        "Unknown",
        "Private",
        "private number",
        "Restricted",
        "withheld",
        "Unavailable",
        "No Caller ID",
        "-1",
        "-2",
        "sip:anonymous@anonymous.invalid",
        "tel:",
        "비공개",
        "발신번호 표시제한",
        "未知号码",
        "非通知",
        "Unbekannt",
        "Masqué",
    ] {
        for home in ["KR", "US", "CN"] {
            assert_eq!(parse(raw, region(home)), Caller::Hidden, "{raw:?}");
        }
    }
}

#[test]
fn hostile_input_is_refused_not_fatal() {
    let mega = "0".repeat(1 << 20);
    assert_eq!(malformed(&mega, "KR"), Malformed::TooLong);
    assert_eq!(malformed(&"+82".repeat(100), "KR"), Malformed::TooLong);
    assert_eq!(malformed("1234567890123456789012345678901234567890", "US"), Malformed::TooLong);
    assert_eq!(malformed("010\u{0}1234\u{0}5678", "KR"), Malformed::BadCharacters);
    assert_eq!(malformed("\u{7}\u{1b}[31m", "KR"), Malformed::BadCharacters);
    assert_eq!(malformed("'; DROP TABLE numbers; --", "US"), Malformed::BadCharacters);
    assert_eq!(malformed("1 OR 1=1", "US"), Malformed::BadCharacters);
    assert_eq!(malformed("+", "US"), Malformed::NoDigits);
    assert_eq!(malformed("+82", "US"), Malformed::NoDigits);
    assert_eq!(malformed("+999 123 4567", "US"), Malformed::UnknownCountryCode);
    assert_eq!(malformed("+0 123 4567", "US"), Malformed::UnknownCountryCode);
    // What comes before the number is skipped, as libphonenumber skips it.
    check("tel:tel:+12127365000", "US", "+12127365000", FixedLineOrMobile);
    assert_eq!(malformed("<script>alert(1)</script>", "US"), Malformed::BadCharacters);
    // 17 digits of garbage after a valid country code: refused, not truncated.
    assert_eq!(malformed("+82 123456789012345678", "KR"), Malformed::TooLong);
    // Bidi overrides around a number do not hide it.
    check("\u{202E}+82 10 1234 5678\u{202C}", "US", "+821012345678", Mobile);
}

#[test]
fn patterns() {
    let kr = Region::KR;
    let prefix = |raw: &str, home: Region| match parse_pattern(raw, home).unwrap() {
        Pattern::Prefix(p) => p.to_string(),
        Pattern::Exact(e) => panic!("{raw:?} read as exact {e}"),
        Pattern::Group(g) => panic!("{raw:?} read as the group {g:?}"),
    };
    assert_eq!(prefix("+8270*", kr), "+8270*");
    assert_eq!(prefix("070*", kr), "+8270*");
    assert_eq!(prefix("1588*", kr), "+821588*");
    assert_eq!(prefix("1588-*", kr), "+821588*");
    assert_eq!(prefix("010-1234*", kr), "+82101234*");
    assert_eq!(prefix("060*", kr), "+8260*");
    assert_eq!(prefix("+1 212*", kr), "+1212*");
    assert_eq!(prefix("212*", Region::US), "+1212*");
    assert_eq!(prefix("1-800*", Region::US), "+1800*");
    assert_eq!(prefix("95*", Region::CN), "+8695*");
    assert_eq!(prefix("001 1 876*", kr), "+1876*");
    match parse_pattern("010-1234-5678", kr).unwrap() {
        Pattern::Exact(e) => assert_eq!(e.to_string(), "+821012345678"),
        p => panic!("{p:?}"),
    }
    let p = parse_pattern("+8270*", kr).unwrap();
    assert!(p.matches(num("070-1234-5678", "KR").e164));
    assert!(!p.matches(num("010-1234-5678", "KR").e164));
    for bad in ["*", "anonymous", "abc*", "+*", "+999*"] {
        assert!(parse_pattern(bad, kr).is_err(), "{bad:?}");
    }
}

#[test]
fn expansion_lengths_are_the_plausible_ones() {
    let p = |d: &str| Prefix::from_digits(d).unwrap();
    assert_eq!(expansion_lengths(p("821588")), vec![10]);
    assert_eq!(expansion_lengths(p("1212")), vec![11]);
    assert_eq!(expansion_lengths(p("8270")), vec![12]);
    assert_eq!(expansion_lengths(p("8210")), vec![11, 12]);
    assert_eq!(expansion_lengths(p("8613")), vec![13]);
    // Whole numbers only: +8211* is the old 011 mobiles, not the short numbers 112, 119.
    assert_eq!(expansion_lengths(p("8211")), vec![11, 12]);
    assert_eq!(expansion_lengths(p("8215")), vec![10, 11, 12]);
    assert!(expansion_lengths(p("82")).len() > 3);
    // Nothing valid begins with +1 0 or +999.
    assert_eq!(expansion_lengths(p("10")), Vec::<u32>::new());
    assert_eq!(expansion_lengths(p("999")), Vec::<u32>::new());
}

#[test]
fn formatting() {
    let f = |d: &str| format_international(E164::from_digits(d).unwrap());
    assert_eq!(f("821012345678"), "+82 10-1234-5678");
    assert_eq!(f("8221234567"), "+82 2-123-4567");
    assert_eq!(f("8215881234"), "+82 1588-1234");
    assert_eq!(f("12127365000"), "+1 212-736-5000");
    assert_eq!(f("442070313000"), "+44 20 7031 3000");
    assert_eq!(f("8613812345678"), "+86 138 1234 5678");
    assert_eq!(f("5491123456789"), "+54 9 11 2345-6789");
    assert_eq!(f("82112"), "+82 112");
    assert_eq!(f("999123"), "+999123");
}

#[test]
fn regions() {
    assert_eq!(region("kr"), Region::KR);
    assert_eq!(Region::KR.country_code(), Some(82));
    assert_eq!(region("CA").country_code(), Some(1));
    assert!("XX".parse::<Region>().is_err());
    assert!("K".parse::<Region>().is_err());
    assert!("001".parse::<Region>().is_err());
    assert!(Region::all().count() > 240);
}
