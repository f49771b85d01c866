//! Evidence that cannot be bought cheaply (issue 11): the listing attacks, each against the
//! real server, with clients on real loopback source networks (127.N.0.1 is a /24 of its
//! own, `::1` an IPv6 /48). The model they test is in `docs/protocol.md`, "Aggregation".
//!
//! Devices with a history are registered in the server's database as known for a year
//! (`register_devices`), since a test cannot wait for devices to age; fresh ones are new
//! (weighing the server's default 0.1 where a test says so: the harness gives them 1).

use ringfence_core::{Action, Call};
use ringfence_e2e::{register_devices, seed_votes_at, Device, Reporter, Server};
use std::net::IpAddr;

const DAY: i64 = 86_400;
/// The server's default evidence half-life.
const HALF_LIFE: i64 = 125 * DAY;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Reporters `first..first + n`, known to the server for a year.
fn established(server: &Server, first: u64, n: u64) -> Vec<Reporter> {
    let rs: Vec<Reporter> = (first..first + n).map(Reporter::new).collect();
    let ids: Vec<&str> = rs.iter().map(|r| r.device.as_str()).collect();
    register_devices(&server.db, &ids, now() - 365 * DAY);
    rs
}

fn accepted(answer: (u16, serde_json::Value)) {
    assert_eq!(answer.0, 200, "{}", answer.1);
}

/// Five networks, one batch of 12 numbers each (+82 2-3456-70{0,1,2}{0..3}: four numbers
/// in each of three tens), once made the server publish the whole hundred at score 5, so
/// phones blocked 02-3456-7099, which nobody reported. Now a hundred needs members in
/// more of its tens, and a number nobody reported is at most warned of.
#[test]
fn five_networks_with_one_batch_each_do_not_block_numbers_nobody_reported() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &[]);
    let numbers: Vec<String> =
        (0..3).flat_map(|ten| (0..4).map(move |i| format!("+822345670{:02}", 10 * ten + i))).collect();
    let batch: Vec<(&str, bool)> = numbers.iter().map(|n| (n.as_str(), true)).collect();
    for (i, r) in established(&server, 0x5100, 5).iter().enumerate() {
        accepted(r.send(&server, ip(&format!("127.{}.0.1", 1 + i)), &batch));
    }
    server.wait_published();
    assert!(server.listed(82234567000), "the reported numbers are listed");
    assert!(!server.listed(82234567099), "no range of a hundred from three tens");

    let mut phone = Device::new(dir.path(), "phone", &server.url);
    phone.sync().unwrap();
    let far = phone.screener.screen(&Call::new("02-3456-7099"));
    assert_eq!(far.action, Action::Allow, "nobody reported it, nor anything in its ten: {far:?}");
    let near = phone.screener.screen(&Call::new("02-3456-7005"));
    assert_eq!(near.action, Action::Warn, "an unreported number in a ten with four members warns: {near:?}");
}

/// Networks of new devices: ten of them, each reporting the same 40 numbers (four of
/// every ten of a hundred), list nothing: a new device weighs little until it has a
/// history.
#[test]
fn ten_networks_of_new_devices_list_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The server's default weight of a new device (the harness gives them 1).
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &["--new-device-weight", "0.1"]);
    let numbers: Vec<String> =
        (0..10).flat_map(|ten| (0..4).map(move |i| format!("+822345680{:02}", 10 * ten + i))).collect();
    let batch: Vec<(&str, bool)> = numbers.iter().map(|n| (n.as_str(), true)).collect();
    for i in 0..10u64 {
        // Two new devices on each network.
        for d in 0..2 {
            accepted(Reporter::new(0x6100 + 10 * i + d).send(&server, ip(&format!("127.{}.0.1", 1 + i)), &batch));
        }
    }
    server.wait_settled();
    assert_eq!(server.query_i64("SELECT count(*) FROM published", &[]), 0, "nothing listed");
}

/// "Not spam" is weighed against the spam evidence at the same moment: five networks'
/// reports from 150 days ago (decayed to 2.2, still listed) are not removed by one
/// network's "not spam" today, as they were when the score was taken at the newest vote's
/// time (2.2 - 1 < 2); as many networks saying "not spam" as said spam remove it.
#[test]
fn one_network_saying_not_spam_does_not_remove_a_listing_five_made() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &[]);
    let number = 821055501234i64;
    let long_ago = now() - HALF_LIFE * 6 / 5;
    seed_votes_at(&server.db, number, &[1, 2, 3, 4, 5], long_ago);
    server.wait_published();
    assert!(server.listed(number), "5 x 2^-1.2 = 2.2: listed");

    let hams = established(&server, 0x7100, 5);
    accepted(hams[0].send(&server, ip("127.21.0.1"), &[("+821055501234", false)]));
    server.wait_published();
    assert!(server.listed(number), "one network's \"not spam\" against five networks' spam");

    for (i, r) in hams.iter().enumerate().skip(1) {
        accepted(r.send(&server, ip(&format!("127.{}.0.1", 21 + i)), &[("+821055501234", false)]));
    }
    server.wait_published();
    assert!(!server.listed(number), "five networks against five");
}

/// One dual-stack host, 127.0.0.1, ::1 and another IPv4 (127.5.0.1), with three devices
/// whose connections leave from one address or another, as a dual-stack client's do:
/// one reporter, not three. Three devices on networks of their own are three.
#[test]
fn one_dual_stack_host_is_one_reporter() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_on(&dir.path().join("srv/server.db"), "[::]:0", Vec::new());
    let (v4, v6, other_v4) = (ip("127.0.0.1"), ip("::1"), ip("127.5.0.1"));
    let host = established(&server, 0x8100, 3);
    let target = "+821077770001";
    for (r, (first, then)) in host.iter().zip([(v4, v6), (v6, other_v4), (other_v4, v4)]) {
        accepted(r.send(&server, first, &[(target, true)]));
        accepted(r.send(&server, then, &[("+821077770999", true)]));
    }
    let others = established(&server, 0x8200, 3);
    for (i, r) in others.iter().enumerate() {
        accepted(r.send(&server, ip(&format!("127.{}.0.1", 31 + i)), &[("+821077770002", true)]));
    }
    server.wait_settled();
    assert!(server.listed(821077770002), "three networks of their own");
    assert!(!server.listed(821077770001), "one host's three addresses");
}

/// Device ids are not secrets (until batches are signed, anyone who learns one can send
/// batches under it). Votes re-sent with known device ids from another network once moved
/// those devices' votes to that network: three re-sent votes put three reporters on one
/// network and removed the listing. A device's votes count under its home network, which
/// no later request moves.
#[test]
fn votes_resent_under_known_device_ids_do_not_move_their_network() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_untrusting(&dir.path().join("srv/server.db"), &[]);
    let target = "+821066660001";
    let victims = established(&server, 0x9100, 3);
    for (i, r) in victims.iter().enumerate() {
        accepted(r.send(&server, ip(&format!("127.{}.0.1", 41 + i)), &[(target, true)]));
    }
    server.wait_published();
    assert!(server.listed(821066660001));
    let origins =
        || server.query_i64("SELECT count(DISTINCT origin) FROM votes WHERE number = ?1", &[&821066660001i64]);
    assert_eq!(origins(), 3);

    // The attacker, on one network, re-sends each device's vote (fresh keys).
    for r in &victims {
        accepted(r.send(&server, ip("127.66.0.1"), &[(target, true)]));
    }
    server.wait_published();
    assert_eq!(origins(), 3, "the votes stay on their devices' networks");
    assert!(server.listed(821066660001), "still three reporters");
}
