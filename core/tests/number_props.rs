//! Properties of `parse` over arbitrary input: it never panics, and it is idempotent on
//! its own output (the E.164 key and the international format read back the same).

use proptest::prelude::*;
use ringfence_core::number::{format_international, parse, parse_pattern, Caller, NumberType, Region};

fn regions() -> Vec<Region> {
    Region::all().collect()
}

fn any_region() -> impl Strategy<Value = Region> {
    proptest::sample::select(regions())
}

/// Strings that look like caller IDs: digits in several scripts, `+`, separators,
/// access and trunk prefixes, URI and extension bits.
fn phoneish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        4 => "[0-9]{1,4}",
        1 => Just("+".to_string()),
        1 => Just("00".to_string()),
        1 => Just("011".to_string()),
        1 => Just("0".to_string()),
        1 => Just("1".to_string()),
        1 => "[ ().\\-/]",
        1 => "[０-９]{1,3}",
        1 => "[٠-٩]{1,3}",
        1 => Just("＋".to_string()),
        1 => Just("(0)".to_string()),
        1 => Just("tel:".to_string()),
        1 => Just(";phone-context=+82".to_string()),
        1 => Just(" ext. 12".to_string()),
        1 => Just("\u{202A}".to_string()),
        1 => "[A-Z]{1,3}",
    ];
    prop::collection::vec(atom, 0..12).prop_map(|v| v.concat())
}

/// A plausible full number: `+` or not, a country code, 4 to 14 digits.
fn numberish() -> impl Strategy<Value = String> {
    ("[+]?", "([1-9][0-9]{0,2})?", "[0-9]{4,14}", "[ \\-]?").prop_map(|(p, cc, n, s)| format!("{p}{cc}{s}{n}"))
}

proptest! {
    // Failures are not persisted to files; the ones found so far are pinned as examples
    // in `keys_read_back_as_themselves` below.
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_string(raw in any::<String>(), home in any_region()) {
        let _ = parse(&raw, home);
        let _ = parse_pattern(&raw, home);
        let _ = parse_pattern(&format!("{raw}*"), home);
    }

    #[test]
    fn never_panics_on_phoneish_strings(raw in phoneish(), home in any_region()) {
        if let Caller::Number(n) = parse(&raw, home) {
            let _ = format_international(n.e164);
        }
        let _ = parse_pattern(&format!("{raw}*"), home);
    }

    #[test]
    fn never_panics_on_long_or_odd_input(
        raw in prop_oneof![
            "[0-9+]{0,300}",
            "\\PC{200,600}",
            "[\\x00-\\x1f\\u{200b}-\\u{200f}\\u{202a}-\\u{202e}0-9+]{0,80}",
            "(tel:){1,5}[+0-9;=a-z\\-]{0,60}",
        ],
        home in any_region(),
    ) {
        let _ = parse(&raw, home);
        let _ = parse_pattern(&raw, home);
    }

    #[test]
    fn idempotent_on_its_own_output(
        raw in prop_oneof![numberish(), phoneish()],
        home in any_region(),
        other in any_region(),
    ) {
        if let Caller::Number(n) = parse(&raw, home) {
            // The key, read back from anywhere.
            for h in [home, other] {
                match parse(&n.e164.to_string(), h) {
                    Caller::Number(m) => {
                        prop_assert_eq!(m.e164, n.e164, "{:?} at home {} then {} at home {}", raw, home, n.e164, h);
                        // Short numbers depend on where they are dialled (`12000` at home
                        // in the US is no number, `+1 12000` a short code elsewhere in +1),
                        // as in libphonenumber; numbers of the plan read the same anywhere.
                        if !n.short && !m.short {
                            prop_assert_eq!(m.number_type, n.number_type, "{:?} at home {} then {} at home {}", raw, home, n.e164, h);
                            prop_assert_eq!(m.valid, n.valid);
                        }
                        // An emergency key always reads back as an emergency number.
                        if n.number_type == NumberType::Emergency {
                            prop_assert_eq!(m.number_type, NumberType::Emergency, "{:?} at home {}", raw, home);
                        }
                    }
                    other => prop_assert!(false, "{:?} at home {}: {} reads back as {:?}", raw, home, n.e164, other),
                }
            }
            // The international format, read back at home.
            let formatted = format_international(n.e164);
            match parse(&formatted, home) {
                Caller::Number(m) => {
                    prop_assert_eq!(m.e164, n.e164, "{:?} formatted as {:?}", raw, formatted);
                    if !n.short && !m.short {
                        prop_assert_eq!(m.number_type, n.number_type);
                    }
                }
                other => prop_assert!(false, "{:?} formatted as {:?} reads back as {:?}", raw, formatted, other),
            }
        }
    }
}

/// Inputs on which earlier versions gave keys that read back differently.
#[test]
fn keys_read_back_as_themselves() {
    // (`00AAA(0)0000` at home in ID was one too; it is no number now, as for libphonenumber:
    // letters may only follow three digits.)
    assert!(matches!(parse("00AAA(0)0000", "ID".parse().unwrap()), Caller::Malformed(_)));
    for (raw, home) in [("+86000000000", "US"), ("011tel:", "CC"), ("000AAA(0)0000", "ID"), ("0082 70 3461 5273", "KR")]
    {
        let home: Region = home.parse().unwrap();
        let Caller::Number(n) = parse(raw, home) else { panic!("{raw:?}") };
        for h in [home, Region::US, Region::KR] {
            let Caller::Number(m) = parse(&n.e164.to_string(), h) else { panic!("{raw:?}") };
            assert_eq!((m.e164, m.number_type), (n.e164, n.number_type), "{raw:?} at home {home}, read back at {h}");
        }
    }
}
