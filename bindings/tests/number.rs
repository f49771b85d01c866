//! The wrapper's conversions, from Rust (the foreign-language tests cover the same
//! scenarios through the generated bindings; see tests/kotlin and tests/swift).

use ringfence_ffi::{normalize, MalformedReason, NumberType, RingfenceError};

#[test]
fn korean_representative_number_is_national_only() {
    let n = normalize("1588-1234".into(), "KR".into()).unwrap();
    assert_eq!(n.e164.as_deref(), Some("+8215881234"));
    assert_eq!(n.region.as_deref(), Some("KR"));
    assert_eq!(n.country_code, Some(82));
    assert!(n.national_only);
    assert!(n.traits.representative);
    assert!(!n.hidden);
    assert_eq!(n.malformed, None);
}

#[test]
fn international_form_ignores_home_region() {
    let n = normalize("+82 10 1234 5678".into(), "US".into()).unwrap();
    assert_eq!(n.e164.as_deref(), Some("+821012345678"));
    assert_eq!(n.number_type, NumberType::Mobile);
    assert!(n.valid);
    assert!(!n.national_only);
}

#[test]
fn emergency() {
    let n = normalize("112".into(), "KR".into()).unwrap();
    assert_eq!(n.number_type, NumberType::Emergency);
    assert!(n.traits.emergency);
}

#[test]
fn hidden_and_malformed() {
    let n = normalize("anonymous".into(), "KR".into()).unwrap();
    assert!(n.hidden);
    assert_eq!(n.e164, None);
    let n = normalize("call me maybe".into(), "KR".into()).unwrap();
    assert!(!n.hidden);
    assert_eq!(n.e164, None);
    assert_eq!(n.malformed, Some(MalformedReason::BadCharacters));
}

#[test]
fn unknown_region_is_typed() {
    match normalize("010-1234-5678".into(), "ZZ".into()) {
        Err(RingfenceError::UnknownRegion { region }) => assert_eq!(region, "ZZ"),
        other => panic!("expected UnknownRegion, got {other:?}"),
    }
}
