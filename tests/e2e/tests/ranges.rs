//! Spam ranges end to end: the real server lists a block of ten when four of its numbers
//! are reported, phones warn for the unreported rest, and the range goes again when it no
//! longer qualifies (`server/src/ranges.rs`, `docs/protocol.md`, "Ranges").

use ringfence_core::{Action, Call, Category, Reason};
use ringfence_e2e::{Device, Server};

/// Korean 070 internet phones, +82 70-1234-567x: the block of ten 82701234567.
const MEMBERS: [&str; 4] = ["070-1234-5670", "070-1234-5671", "070-1234-5672", "070-1234-5673"];
const UNREPORTED: &str = "070-1234-5677";
const NEXT_BLOCK: &str = "070-1234-5680";

#[test]
fn four_reported_numbers_of_a_block_of_ten_warn_for_the_whole_block_until_it_falls_apart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("srv/server.db"), &[]);

    // Three reporters on three networks (the default --min-reporters) report all four.
    for name in ["a", "b", "c"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        for n in MEMBERS {
            d.screener.report(n, Category::Robocall, None).unwrap();
        }
        assert_eq!(d.sync().unwrap().uploaded, 4);
    }
    let v = server.wait_published();
    assert!(server.listed(827012345677), "the range number is in the published listing");

    // A phone that never reported anything.
    let mut fresh = Device::new(dir.path(), "fresh", &server.url);
    let s = fresh.sync().unwrap();
    assert_eq!((s.to_version, s.upserted), (v, 10), "four members and six range numbers: {s:?}");
    let d = fresh.screener.screen(&Call::new(UNREPORTED));
    assert_eq!((d.action, d.category), (Action::Warn, Category::Robocall), "{d:?}");
    assert!(d.reasons.contains(Reason::Community), "{d:?}");
    assert_eq!(
        d.score.map(|s| s.round()),
        Some(3.0),
        "as strong as the fourth strongest member (three votes each): a warning, not a block"
    );
    // A member keeps its own listing (three votes).
    let m = fresh.screener.screen(&Call::new(MEMBERS[0]));
    assert_eq!((m.action, m.score.map(|s| s.round())), (Action::Warn, Some(3.0)), "{m:?}");
    // The next block of ten has no reports.
    assert_eq!(fresh.screener.screen(&Call::new(NEXT_BLOCK)).action, Action::Allow);

    // Two people say one member is not spam: 3 - 2 is below the threshold, three members
    // are left, and the block is no range any more.
    for name in ["x", "y"] {
        let mut d = Device::new(dir.path(), name, &server.url);
        d.screener.mark_not_spam(MEMBERS[0], None).unwrap();
        d.sync().unwrap();
    }
    let after = server.wait_published();
    assert!(after > v);
    assert!(!server.listed(827012345677) && !server.listed(827012345670));
    let s = fresh.sync().unwrap();
    assert!(!s.snapshot, "deletions arrive through a delta: {s:?}");
    assert_eq!((s.to_version, s.deleted), (after, 7), "the member voted out and the six range numbers: {s:?}");
    assert_eq!(fresh.screener.screen(&Call::new(UNREPORTED)).action, Action::Allow);
    assert_eq!(fresh.screener.screen(&Call::new(MEMBERS[0])).action, Action::Allow);
    for n in &MEMBERS[1..] {
        assert_eq!(fresh.screener.screen(&Call::new(n)).action, Action::Warn, "{n} is still listed on its own");
    }
}
