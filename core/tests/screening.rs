//! Each step of the decision precedence, on a real SQLite file.

use ringfence_core::{Action, Call, Category, List, Reason, Region, Screener, Verification};

fn screener(home: Region) -> (tempfile::TempDir, Screener) {
    let dir = tempfile::tempdir().unwrap();
    let s = Screener::open(dir.path().join("ringfence.db"), home).unwrap();
    (dir, s)
}

fn reasons(d: &ringfence_core::Decision) -> Vec<&'static str> {
    d.reasons.iter().map(|r| r.as_str()).collect()
}

/// Community evidence: import a plain list with this many votes, reported now.
fn community(s: &mut Screener, number: &str, category: &str, votes: u32) {
    let csv = format!("{number},{category},{votes}\n");
    s.import(ringfence_core::Format::Csv, csv.as_bytes()).unwrap();
}

#[test]
fn step1_emergency_is_never_blocked() {
    let (_d, mut s) = screener(Region::KR);
    s.add_rule(List::Block, "11*", None).unwrap();
    s.set_policy("category.spoofed", "block").unwrap();
    for n in ["112", "119", "+82 112"] {
        let d = s.screen(&Call { caller_id: n, verification: Verification::Failed, ..Call::default() });
        assert_eq!(d.action, Action::Allow, "{n}");
        assert_eq!(reasons(&d), ["emergency"], "{n}");
        assert_eq!(d.category, Category::Emergency);
    }
    assert!(matches!(s.add_rule(List::Block, "119", None), Err(ringfence_core::Error::EmergencyNumber(_))));
    assert!(s.report("112", Category::Scam, None).is_err());
    let (_d, mut us) = screener(Region::US);
    us.add_rule(List::Block, "91*", None).unwrap();
    assert_eq!(us.screen(&Call::new("911")).action, Action::Allow);
}

/// The world's emergency numbers ring after `block add`, a community listing with 50
/// votes, and every heuristic set to block (a sample here; the held-out check over every
/// region's emergency numbers from the reference data runs in `scripts/crosscheck.sh`).
#[test]
fn step1_emergency_numbers_of_other_regions() {
    for (home, number) in
        [("CH", "117"), ("NO", "113"), ("PL", "999"), ("AT", "144"), ("IL", "101"), ("AE", "998"), ("ZA", "10111")]
    {
        let (_d, mut s) = screener(home.parse().unwrap());
        for cat in ["spoofed", "premium_rate", "one_ring"] {
            s.set_policy(&format!("category.{cat}"), "block").unwrap();
        }
        assert!(matches!(s.add_rule(List::Block, number, None), Err(ringfence_core::Error::EmergencyNumber(_))));
        let sum = s.import(ringfence_core::Format::Csv, format!("{number},scam,50\n").as_bytes()).unwrap();
        assert_eq!(sum.imported, 0, "{home} {number}: an emergency number was imported");
        assert!(s.report(number, Category::Scam, None).is_err());
        let d = s.screen(&Call::new(number));
        assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["emergency"]), "{home} {number}");
    }
}

/// Roaming: home KR, on a Swiss network. Swiss emergency numbers ring (117, police) even
/// when the user blocked the digits at home; at home the same digits are screened as usual.
#[test]
fn step1_emergency_numbers_of_the_roaming_network() {
    let (_d, mut s) = screener("US".parse().unwrap());
    s.add_rule(List::Block, "144", None).unwrap();
    let at_home = s.screen(&Call::new("144"));
    assert_eq!(at_home.action, Action::Block);
    let ch = Some("CH".parse().unwrap());
    let roaming = s.screen(&Call { caller_id: "144", network_region: ch, ..Call::default() });
    assert_eq!((roaming.action, reasons(&roaming)), (Action::Allow, vec!["emergency"]));
    assert_eq!(roaming.number.map(|n| n.to_string()).as_deref(), Some("+41144"));
    // Home emergency numbers still ring while roaming.
    let d = s.screen(&Call { caller_id: "911", network_region: ch, ..Call::default() });
    assert_eq!(reasons(&d), ["emergency"]);
}

/// After the user dials an emergency number, every call rings for the window, blocked,
/// reported and hidden callers included; then screening is as before.
#[test]
fn step1_emergency_callback_window() {
    let (_d, mut s) = screener(Region::KR);
    s.add_rule(List::Block, "+8210*", Some("all mobiles")).unwrap();
    s.set_policy("hidden", "block").unwrap();
    let t0 = 1_800_000_000;
    let at = |secs: i64| Call { caller_id: "010-5555-0101", at: Some(t0 + secs), ..Call::default() };
    assert_eq!(s.screen(&at(10)).action, Action::Block);
    // An ordinary call out opens nothing.
    assert!(!s.record_outgoing("010-9876-5432", Some(t0), None).unwrap().emergency);
    assert_eq!(s.screen(&at(10)).action, Action::Block);

    let call = s.record_outgoing("119", Some(t0), None).unwrap();
    assert!(call.emergency && call.number.to_string() == "+82119");
    for secs in [0, 60, 59 * 60 + 59] {
        let d = s.screen(&at(secs));
        assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["emergency_callback"]), "{secs} s after");
        let hidden = s.screen(&Call { caller_id: "", at: Some(t0 + secs), ..Call::default() });
        assert_eq!(hidden.action, Action::Allow, "hidden caller {secs} s after");
    }
    assert_eq!(s.screen(&at(60 * 60)).action, Action::Block, "the window is 60 minutes");
    assert_eq!(s.screen(&at(-1)).action, Action::Block, "before the call");

    // The window follows the policy, and a screener in another process sees the call.
    s.set_policy("emergency.callback-minutes", "120").unwrap();
    assert_eq!(s.screen(&at(90 * 60)).action, Action::Allow);
    let mut other = Screener::open(s.path(), Region::KR).unwrap();
    assert_eq!(other.screen(&at(90 * 60)).action, Action::Allow);
    s.set_policy("emergency.callback-minutes", "0").unwrap();
    assert_eq!(s.screen(&at(1)).action, Action::Block, "0 turns it off");
    // Roaming: 117 is the Swiss police, dialled on a Swiss network.
    s.set_policy("emergency.callback-minutes", "60").unwrap();
    let t1 = t0 + 86_400;
    assert!(s.record_outgoing("117", Some(t1), Some("CH".parse().unwrap())).unwrap().emergency);
    let d = s.screen(&Call { caller_id: "010-5555-0101", at: Some(t1 + 5), ..Call::default() });
    assert_eq!(reasons(&d), ["emergency_callback"]);
    assert!(s.record_outgoing("", None, None).is_err() && s.record_outgoing("call me", None, None).is_err());
}

#[test]
fn step2_allow_list_and_contacts_beat_block_list_and_community() {
    let (_d, mut s) = screener(Region::KR);
    s.add_rule(List::Block, "+8210*", Some("all mobiles")).unwrap();
    community(&mut s, "010-1234-5678", "scam", 50);
    let d = s.screen(&Call::new("010-1234-5678"));
    assert_eq!((d.action, reasons(&d)), (Action::Block, vec!["block_list"]));

    s.add_rule(List::Allow, "010-1234-5678", Some("Mum")).unwrap();
    let d = s.screen(&Call::new("+82 10 1234 5678"));
    assert_eq!((d.action, reasons(&d), d.label.as_deref()), (Action::Allow, vec!["allow_list"], Some("Mum")));

    // A contact, whether the platform says so or the app shared it.
    let d = s.screen(&Call { caller_id: "010-9999-0000", is_contact: true, ..Call::default() });
    assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["contact"]));
    s.add_contact("010-9999-0001").unwrap();
    let d = s.screen(&Call::new("01099990001"));
    assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["contact"]));
    s.remove_contact("010-9999-0001").unwrap();
    assert_eq!(s.screen(&Call::new("01099990001")).action, Action::Block);
}

#[test]
fn step3_block_list_exact_and_prefix_in_any_form() {
    let (_d, mut s) = screener(Region::KR);
    s.add_rule(List::Block, "070*", Some("VoIP")).unwrap();
    s.add_rule(List::Block, "+82 1588*", None).unwrap();
    s.add_rule(List::Block, "02-123-4567", Some("ex")).unwrap();
    for (n, label) in [
        ("070-1234-5678", "VoIP"),
        ("+82 70 9999 0000", "VoIP"),
        ("1588-1234", "On your block list"),
        ("+82 2-123-4567", "ex"),
        ("00700 82 2 123 4567", "ex"),
    ] {
        let d = s.screen(&Call::new(n));
        assert_eq!(
            (d.action, reasons(&d), d.label.as_deref()),
            (Action::Block, vec!["block_list"], Some(label)),
            "{n}"
        );
    }
    assert_eq!(s.screen(&Call::new("010-1234-5678")).action, Action::Allow);
    assert!(s.remove_rule(List::Block, "+8270*").unwrap());
    assert_eq!(s.screen(&Call::new("070-1234-5678")).action, Action::Allow);
    assert!(!s.remove_rule(List::Block, "+8270*").unwrap());
    // Whole countries, including one-digit country codes.
    s.add_rule(List::Block, "+225*", Some("Ivory Coast")).unwrap();
    s.add_rule(List::Block, "+7*", None).unwrap();
    assert_eq!(s.screen(&Call::new("+225 07 07 07 07 07")).label.as_deref(), Some("Ivory Coast"));
    assert_eq!(s.screen(&Call::new("+7 912 345-67-89")).action, Action::Block);
}

#[test]
fn step3_own_reports_block_and_not_spam_allows() {
    let (_d, mut s) = screener(Region::KR);
    s.report("010-5555-0000", Category::Telemarketing, Some("loans")).unwrap();
    let d = s.screen(&Call::new("01055550000"));
    assert_eq!((d.action, d.category, reasons(&d)), (Action::Block, Category::Telemarketing, vec!["reported"]));
    s.mark_not_spam("010-5555-0000", None).unwrap();
    let d = s.screen(&Call::new("01055550000"));
    assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["not_spam"]));
    assert_eq!(s.pending_reports(10).unwrap().len(), 2);
}

#[test]
fn step4_hidden_callers_follow_policy() {
    let (_d, mut s) = screener(Region::US);
    for raw in ["", "anonymous", "Unknown", "Private", "Restricted"] {
        let d = s.screen(&Call::new(raw));
        assert_eq!((d.action, d.category, reasons(&d)), (Action::Allow, Category::Hidden, vec!["hidden"]), "{raw:?}");
        assert_eq!(d.number, None);
    }
    s.set_policy("hidden", "silence").unwrap();
    assert_eq!(s.screen(&Call::new("anonymous")).action, Action::Silence);
}

#[test]
fn step5_community_thresholds_and_category_actions() {
    let (_d, mut s) = screener(Region::US);
    community(&mut s, "(212) 555-0101", "robocall", 1);
    community(&mut s, "(212) 555-0102", "telemarketing", 3);
    community(&mut s, "(212) 555-0103", "scam", 9);
    let check = |s: &mut Screener, n: &str| {
        let d = s.screen(&Call::new(n));
        (d.action, d.category, reasons(&d), d.score.map(|x| x.round() as i64))
    };
    assert_eq!(check(&mut s, "2125550101"), (Action::Allow, Category::None, vec![], Some(1)));
    assert_eq!(check(&mut s, "2125550102"), (Action::Warn, Category::Telemarketing, vec!["community"], Some(3)));
    assert_eq!(check(&mut s, "2125550103"), (Action::Block, Category::Scam, vec!["community"], Some(9)));
    s.set_policy("threshold.block", "3").unwrap();
    assert_eq!(check(&mut s, "2125550102").0, Action::Block);
    s.set_policy("category.telemarketing", "silence").unwrap();
    assert_eq!(check(&mut s, "2125550102").0, Action::Silence);
    s.set_policy("category.scam", "allow").unwrap();
    assert_eq!(check(&mut s, "2125550103").0, Action::Allow);
}

#[test]
fn step5_evidence_decays_with_age() {
    let (_d, mut s) = screener(Region::US);
    community(&mut s, "(212) 555-0103", "scam", 8);
    let later =
        |days: i64| Call { caller_id: "2125550103", at: Some(ringfence_core_now() + days * 86_400), ..Call::default() };
    assert_eq!(s.screen(&later(0)).action, Action::Block);
    assert_eq!(s.screen(&later(125)).action, Action::Warn, "8 votes count 4 after one half-life");
    assert_eq!(s.screen(&later(500)).action, Action::Allow, "and 0.5 after four");
    s.set_policy("decay.half-life-days", "0").unwrap();
    assert_eq!(s.screen(&later(5000)).action, Action::Block);
}

fn ringfence_core_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn step6_heuristics_each_fire_on_their_own() {
    let (_d, mut kr) = screener(Region::KR);
    let fired = |s: &mut Screener, call: Call| {
        let d = s.screen(&call);
        (d.action, reasons(&d), d.category)
    };
    assert_eq!(
        fired(&mut kr, Call::new("1588-1234")),
        (Action::Warn, vec!["representative_number"], Category::Representative)
    );
    assert_eq!(fired(&mut kr, Call::new("1644-0000")).1, vec!["representative_number"]);
    assert_eq!(
        fired(&mut kr, Call::new("+225 07 07 07 07 07")),
        (Action::Warn, vec!["one_ring_risk"], Category::OneRing)
    );
    assert_eq!(
        fired(&mut kr, Call::new("+86 170 1234 5678")),
        (Action::Warn, vec!["virtual_operator"], Category::VirtualOperator)
    );
    let (a, r, c) = fired(&mut kr, Call::new("+979 1234 5678"));
    assert_eq!((a, c), (Action::Warn, Category::PremiumRate));
    assert!(r.contains(&"premium_rate"), "{r:?}");
    let (a, r, _) = fired(&mut kr, Call::new("+82 99 1234"));
    assert_eq!((a, r), (Action::Warn, vec!["invalid_number"]));
    assert_eq!(fired(&mut kr, Call::new("call me maybe")).1, vec!["invalid_number"]);
    assert_eq!(
        fired(&mut kr, Call { caller_id: "010-1234-5678", verification: Verification::Failed, ..Call::default() }),
        (Action::Warn, vec!["stir_failed"], Category::Spoofed)
    );
    // One-ring risk is about calls from abroad: a Jamaican number is fine in Jamaica.
    let (_d, mut jm) = screener("JM".parse().unwrap());
    assert_eq!(fired(&mut jm, Call::new("876 555 1234")).0, Action::Allow);
    let (_d, mut us) = screener(Region::US);
    assert_eq!(fired(&mut us, Call::new("+1 876 555 1234")).1, vec!["one_ring_risk"]);

    us.set_policy("own-number", "(212) 555-0100").unwrap();
    assert_eq!(
        fired(&mut us, Call::new("(212) 555-0199")),
        (Action::Warn, vec!["neighbour_spoofing"], Category::Spoofed)
    );
    assert_eq!(fired(&mut us, Call::new("(212) 556-0199")).0, Action::Allow);
    let verified = Call { caller_id: "(212) 555-0199", verification: Verification::Passed, ..Call::default() };
    assert_eq!(fired(&mut us, verified).0, Action::Allow, "a verified caller is not spoofed");
}

#[test]
fn step6_strongest_category_action_wins() {
    let (_d, mut s) = screener(Region::KR);
    s.set_policy("category.representative", "block").unwrap();
    let d = s.screen(&Call { caller_id: "1588-1234", verification: Verification::Failed, ..Call::default() });
    assert_eq!((d.action, d.category), (Action::Block, Category::Representative));
    assert!(d.reasons.contains(Reason::StirFailed) && d.reasons.contains(Reason::RepresentativeNumber));
    s.set_policy("category.representative", "allow").unwrap();
    let d = s.screen(&Call::new("1588-1234"));
    assert_eq!(d.action, Action::Allow);
}

#[test]
fn step7_everything_else_rings() {
    let (_d, mut s) = screener(Region::KR);
    let d = s.screen(&Call::new("010-1234-5678"));
    assert_eq!((d.action, d.category, d.reasons.is_empty(), d.label), (Action::Allow, Category::None, true, None));
    assert_eq!(d.number.unwrap().to_string(), "+821012345678");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the caller ID, the screener decides (and keeps it in the history).
        #[test]
        fn any_caller_id_gets_a_decision(raw in ".{0,80}", region in prop::sample::select(vec!["KR", "US", "CN", "DE", "JP", "GB"])) {
            let mut s = Screener::open_in_memory(region.parse().unwrap()).unwrap();
            s.add_rule(List::Block, "+1*", None).unwrap();
            let d = s.screen_and_record(&Call::new(&raw)).unwrap();
            if d.number.is_none() {
                prop_assert!(d.reasons.contains(Reason::Hidden) || d.reasons.contains(Reason::InvalidNumber));
            }
        }

        /// Digit strings of every length, with or without +, in any region.
        #[test]
        fn any_digit_string(digits in "[0-9]{0,40}", plus in any::<bool>()) {
            let mut s = Screener::open_in_memory(Region::KR).unwrap();
            let raw = if plus { format!("+{digits}") } else { digits };
            let d = s.screen(&Call::new(&raw));
            prop_assert!(d.action != Action::Block);
        }
    }
}

/// A number imported with exactly the warning threshold's votes warns for the rest of
/// the day (evidence ages in whole days), not only in the second of the import.
#[test]
fn evidence_at_the_threshold_holds_for_the_day() {
    let (_d, mut s) = screener(Region::KR);
    community(&mut s, "010-5555-0123", "telemarketing", 2);
    community(&mut s, "010-5555-0124", "scam", 5);
    let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 3600;
    let mut at = |n| s.screen(&Call { caller_id: n, at: Some(later), ..Call::default() }).action;
    assert_eq!(at("010-5555-0123"), Action::Warn);
    assert_eq!(at("010-5555-0124"), Action::Block);
}
