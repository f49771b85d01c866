//! The server's request decoding under fuzzing: what each target does with one input,
//! and the properties it checks.
//!
//! Compiled twice, like `targets.rs`: into the fuzz crate (one libFuzzer binary per
//! function) and into `server/tests/fuzz_regressions.rs`, which replays every saved crash
//! input and seed under `cargo test`. It may use only `ringfence_server`,
//! `ringfence_core`, `serde_json` and `std`.

use ringfence_core::wire::{self, ReportBatch, ReportItem, SigningKey};
use ringfence_core::E164;
use ringfence_server::origin::{canonical, parse_forwarded_ip, Cidr, OriginPolicy};
use ringfence_server::request;
use std::net::IpAddr;

/// A target: one input in, a panic if a property does not hold.
pub type Target = fn(&[u8]);

/// Every server target, by name.
pub const SERVER_TARGETS: &[(&str, Target)] = &[("server_reports", server_reports), ("server_headers", server_headers)];

const CONTENT_TYPES: [&[u8]; 6] = [
    b"application/json",
    b"application/json; charset=utf-8",
    b"APPLICATION/JSON",
    b"text/plain",
    b"",
    b"application/jsonx",
];

/// The fixed time and key the target signs with: fuzzing cannot forge signatures, so
/// the reports themselves are reached by signing what the input gives.
const NOW: i64 = 1_800_000_000;

fn signed(batch: &ReportBatch, key: &SigningKey) -> Vec<u8> {
    serde_json::to_vec(&wire::sign_batch(batch, key)).expect("serialise")
}

/// `POST /v1/reports` as the server reads it (`request::decode_reports`: content type,
/// envelope, signature, device id, clock, nonce, batch size, every report): byte 0 picks
/// the content type (or none) and, with bit 0x40, whether the rest is sent as it is or,
/// read as an unsigned batch, signed by a test device first. Checks: a refusal is a 4xx with a documented code and a
/// message; an accepted batch keeps every promise (device id, 1-500 reports, valid keys,
/// numbers that are E.164 and not emergency numbers when reported as spam, reportable
/// categories, bounded trimmed comments), and sent again as a phone would send it, it
/// decodes to the same reports.
pub fn server_reports(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else { return };
    let ct = if sel & 0x80 != 0 { None } else { Some(CONTENT_TYPES[usize::from(sel) % CONTENT_TYPES.len()]) };
    let key = SigningKey::from_bytes(&[0x5e; 32]);
    let to_sign = (sel & 0x40 != 0).then(|| serde_json::from_slice::<ReportBatch>(body).ok()).flatten();
    let body = match &to_sign {
        Some(b) => signed(&ReportBatch { device: wire::device_id(&key.verifying_key()), ..b.clone() }, &key),
        None => body.to_vec(),
    };
    match request::decode_reports(ct, &body, NOW) {
        Ok((device, reports)) => {
            assert!(
                device.len() == 32 && device.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{device:?}"
            );
            assert!((1..=ringfence_core::wire::MAX_BATCH).contains(&reports.len()));
            for r in &reports {
                assert!(request::valid_key(&r.key), "{:?}", r.key);
                assert!(E164::from_u64(r.number).is_some(), "{}", r.number);
                if r.spam {
                    assert!(r.category.is_reportable(), "{:?}", r.category);
                    assert!(
                        !ringfence_server::storage::is_emergency(r.number),
                        "emergency number +{} accepted",
                        r.number
                    );
                } else {
                    assert_eq!(r.category, ringfence_core::Category::Unknown);
                }
                if let Some(c) = &r.comment {
                    assert!(!c.is_empty() && c.trim() == c && c.chars().count() <= 500, "{c:?}");
                }
            }
            let again = ReportBatch {
                device: device.clone(),
                at: NOW,
                nonce: "0f".repeat(8),
                reports: reports
                    .iter()
                    .map(|r| ReportItem {
                        key: r.key.clone(),
                        number: format!("+{}", r.number),
                        spam: r.spam,
                        category: r.spam.then(|| r.category.as_str().to_string()),
                        comment: r.comment.clone(),
                        at: 0,
                    })
                    .collect(),
            };
            // Only a batch this target signed can be accepted (the signature), so its key
            // signs the repeat too.
            let json = signed(&again, &key);
            match request::decode_reports(Some(b"application/json"), &json, NOW) {
                Ok((d, back)) => {
                    assert_eq!(d, device);
                    assert_eq!(back, reports, "accepted reports read differently when sent again");
                }
                Err(e) => panic!("accepted reports refused when sent again: {e:?}"),
            }
        }
        Err(r) => {
            assert!(r.status.is_client_error(), "{r:?}");
            assert!(request::CODES.contains(&r.code), "undocumented code {:?}", r.code);
            assert!(!r.message.is_empty());
            if r.index.is_some() {
                assert_eq!(r.status.as_u16(), 422);
            }
        }
    }
}

/// The header and path parsing: trusted-proxy ranges, `X-Forwarded-For`, the client's
/// origin, the lookup prefix, the content type. Layout: byte 0 picks the prefix lengths
/// and the peer's family, the next 16 bytes the peer address; the rest, split at `\n`:
/// a line of comma-separated ranges to trust, then `X-Forwarded-For` values. Checks: a
/// range reads back as itself; an untrusted peer is the client, whatever the header; a
/// client found in the header is one of its entries, never a mapped IPv6 address;
/// addresses of one network share an origin and the network next door does not; a
/// prefix is accepted if and only if it is 4 hex digits.
pub fn server_headers(data: &[u8]) {
    if data.len() < 17 {
        return;
    }
    let sel = data[0];
    let peer: IpAddr = if sel & 1 == 0 {
        IpAddr::from([data[1], data[2], data[3], data[4]])
    } else {
        let mut b = [0u8; 16];
        b.copy_from_slice(&data[1..17]);
        IpAddr::from(b)
    };
    let mut lines = data[17..].split(|b| *b == b'\n');
    let trusted_line = String::from_utf8_lossy(lines.next().unwrap_or(b""));
    let mut trusted = Vec::new();
    for token in trusted_line.split(',').take(8) {
        if let Ok(c) = token.parse::<Cidr>() {
            assert_eq!(c.to_string().parse::<Cidr>(), Ok(c), "{token:?} shown as {c}");
            trusted.push(c);
        }
    }
    let headers: Vec<&[u8]> = lines.take(16).collect();
    let policy = OriginPolicy {
        v4_prefix: (sel >> 1) % 33,
        v6_prefix: (sel >> 1).wrapping_mul(5) % 129,
        trusted,
        secret: b"fuzz".to_vec(),
    };
    let ip = policy.client_ip(peer, &headers);
    assert_eq!(canonical(ip), ip, "{ip} is not canonical");
    if !policy.is_trusted(canonical(peer)) {
        assert_eq!(ip, canonical(peer), "an untrusted peer's header was believed");
    } else if ip != canonical(peer) {
        let entries: Vec<IpAddr> = headers
            .iter()
            .filter_map(|h| std::str::from_utf8(h).ok())
            .flat_map(|h| h.split(',').filter_map(parse_forwarded_ip).collect::<Vec<_>>())
            .collect();
        assert!(entries.contains(&ip), "{ip} is in no X-Forwarded-For entry");
    }
    let origin = policy.origin(ip);
    assert!(origin.0 >= 1 && origin == policy.origin(ip));
    let (bits, len) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), policy.v4_prefix),
        IpAddr::V6(v6) => (u128::from(v6), policy.v6_prefix),
    };
    let width: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let rebuild = |b: u128| -> IpAddr {
        if ip.is_ipv4() {
            IpAddr::from((b as u32).to_be_bytes())
        } else {
            IpAddr::from(b.to_be_bytes())
        }
    };
    if u32::from(len) < width {
        assert_eq!(policy.origin(rebuild(bits ^ 1)), origin, "a neighbour in the same network");
    }
    if len > 0 {
        // Flip the network's last bit: the network next door.
        let next = rebuild(bits ^ (1u128 << (width - u32::from(len))));
        // IPv6 addresses that look like mapped IPv4 read as IPv4: another family.
        if canonical(next) == next {
            assert_ne!(policy.origin(next), origin, "{ip} and {next} share an origin at /{len}");
        }
    }
    for h in &headers {
        if let Ok(text) = std::str::from_utf8(h) {
            match request::parse_prefix(text) {
                Ok(b) => assert!(text.len() == 4 && format!("{b:04x}").eq_ignore_ascii_case(text), "{text:?}"),
                Err(r) => assert!(!(text.len() == 4 && text.bytes().all(|c| c.is_ascii_hexdigit())), "{text:?}: {r:?}"),
            }
        }
        let json = request::check_content_type(Some(h)).is_ok();
        let essence = String::from_utf8_lossy(h).split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        assert_eq!(
            json,
            std::str::from_utf8(h).is_ok() && essence == "application/json",
            "{:?}",
            String::from_utf8_lossy(h)
        );
    }
}
