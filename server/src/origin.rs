//! Where a request comes from, as the Sybil defence counts it.
//!
//! Device ids are self-asserted: anyone can mint thousands. What one attacker cannot
//! mint as cheaply is addresses in many different networks. So the server counts
//! evidence by **origin**: the client's network, an IPv4 /24 or an IPv6 /48 by default
//! (`--origin-v4-prefix`, `--origin-v6-prefix`). Each origin is one reporter per number,
//! however many devices vote from it (`aggregate.rs`), and the per-origin budgets in
//! `limit.rs` bound how fast one network can mint devices and send reports.
//!
//! The client's address is the TCP peer's, unless the peer is a trusted proxy
//! (`--trusted-proxy CIDR`, for deployments behind a CDN or a load balancer): then it is
//! the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
//! Without `--trusted-proxy` the header is ignored, so a client cannot choose its origin
//! by writing one.
//!
//! The origin is stored as a keyed hash (SHA-256 with a random server secret, 63 bits):
//! the server keeps neither the address nor the network in the clear.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address range, `10.0.0.0/8`, `2001:db8::/32`, or one address (`127.0.0.1`).
/// IPv4-mapped IPv6 forms (`::ffff:10.0.0.0/8`) are the IPv4 range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cidr(IpNet);

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }

    /// The range (for `config.rs`'s check of how wide a trusted range is).
    pub fn net(&self) -> IpNet {
        self.0
    }
}

/// A `--trusted-proxy` value that is not an address or a range.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{0:?} is not an address or a range (10.0.0.0/8, 2001:db8::/32, 127.0.0.1)")]
pub struct BadCidr(pub String);

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(s: &str) -> Result<Cidr, BadCidr> {
        let bad = || BadCidr(s.to_string());
        let t = s.trim();
        let net = if t.contains('/') {
            t.parse::<IpNet>().map_err(|_| bad())?
        } else {
            IpNet::from(t.parse::<IpAddr>().map_err(|_| bad())?)
        };
        // A mapped address is the IPv4 address, and its length counts IPv4 bits.
        let net = match net {
            IpNet::V6(n) => match n.addr().to_ipv4_mapped() {
                Some(v4) if t.contains('/') => IpNet::V4(Ipv4Net::new(v4, n.prefix_len()).map_err(|_| bad())?),
                Some(v4) => IpNet::from(IpAddr::V4(v4)),
                None => IpNet::V6(n),
            },
            v4 => v4,
        };
        Ok(Cidr(net))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, what a dual-stack socket reports) are
/// the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The first address of `ip`'s network of `len` bits (longer lengths: the address).
fn network_v4(ip: Ipv4Addr, len: u8) -> Ipv4Addr {
    Ipv4Net::new(ip, len.min(32)).map_or(ip, |n| n.network())
}

fn network_v6(ip: Ipv6Addr, len: u8) -> Ipv6Addr {
    Ipv6Net::new(ip, len.min(128)).map_or(ip, |n| n.network())
}

/// How clients are grouped into origins.
#[derive(Clone, Debug)]
pub struct OriginPolicy {
    /// Prefix lengths of an origin network.
    pub v4_prefix: u8,
    pub v6_prefix: u8,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted: Vec<Cidr>,
    /// The secret the origin hash is keyed with.
    pub secret: Vec<u8>,
}

impl OriginPolicy {
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the
    /// right-most `X-Forwarded-For` entry that is not a trusted proxy (`headers`: every
    /// `X-Forwarded-For` value, in order). An entry that is not an address ends the walk:
    /// what is left of it was written by the client and proves nothing, so the last
    /// address a trusted proxy vouched for is the client's.
    pub fn client_ip(&self, peer: IpAddr, headers: &[&[u8]]) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        for value in headers.iter().rev() {
            let Ok(value) = std::str::from_utf8(value) else { return client };
            for entry in value.rsplit(',') {
                let Some(ip) = parse_forwarded_ip(entry) else { return client };
                client = ip;
                if !self.is_trusted(ip) {
                    return client;
                }
            }
        }
        client
    }

    /// The first address of `ip`'s origin network (an IPv4 /24, an IPv6 /48 by default):
    /// what the origin hash is made of, and what `serve.rs` counts connections by.
    pub fn network(&self, ip: IpAddr) -> IpAddr {
        match canonical(ip) {
            IpAddr::V4(v4) => IpAddr::V4(network_v4(v4, self.v4_prefix)),
            IpAddr::V6(v6) => IpAddr::V6(network_v6(v6, self.v6_prefix)),
        }
    }

    /// The origin of a client address: its network, as a keyed hash in 1..=i64::MAX (0 is
    /// kept for votes recorded before origins were, see `storage`).
    pub fn origin(&self, ip: IpAddr) -> Origin {
        let (family, bytes): (u8, Vec<u8>) = match self.network(ip) {
            IpAddr::V4(v4) => (4, v4.octets().to_vec()),
            IpAddr::V6(v6) => (6, v6.octets().to_vec()),
        };
        let len = if family == 4 { self.v4_prefix } else { self.v6_prefix };
        let mut h = Sha256::new();
        h.update(&self.secret);
        h.update([family, len]);
        h.update(&bytes);
        let d = h.finalize();
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        let v = (u64::from_be_bytes(b) >> 1) as i64;
        Origin(v.max(1), if family == 4 { Family::V4 } else { Family::V6 })
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), or `None`.
pub fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if e.is_empty() || e.len() > 64 {
        return None;
    }
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = e.strip_prefix('[') {
        let (addr, tail) = rest.split_once(']')?;
        let port = tail.strip_prefix(':')?;
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return addr.parse::<Ipv6Addr>().ok().map(|a| canonical(IpAddr::V6(a)));
    }
    let (addr, port) = e.rsplit_once(':')?;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    addr.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A client network, as stored: a keyed hash, never the address; and its IP family (a
/// device's IPv4 and IPv6 homes are one reporter, `aggregate::reporters`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Origin(pub i64, pub Family);

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(trusted: &[&str]) -> OriginPolicy {
        OriginPolicy {
            v4_prefix: 24,
            v6_prefix: 48,
            trusted: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            secret: b"s".to_vec(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_group_addresses() {
        let p = policy(&[]);
        assert_eq!(p.origin(ip("192.0.2.1")), p.origin(ip("192.0.2.254")));
        assert_ne!(p.origin(ip("192.0.2.1")), p.origin(ip("192.0.3.1")));
        assert_eq!(p.origin(ip("2001:db8:1:2::1")), p.origin(ip("2001:db8:1:ffff::9")));
        assert_ne!(p.origin(ip("2001:db8:1::1")), p.origin(ip("2001:db8:2::1")));
        assert_eq!(p.origin(ip("::ffff:192.0.2.7")), p.origin(ip("192.0.2.1")), "mapped IPv4 is IPv4");
        let other_secret = OriginPolicy { secret: b"t".to_vec(), ..p.clone() };
        assert_ne!(p.origin(ip("192.0.2.1")), other_secret.origin(ip("192.0.2.1")));
        assert!(p.origin(ip("0.0.0.0")).0 >= 1);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = policy(&[]);
        assert_eq!(
            none.client_ip(ip("127.0.0.1"), &[b"203.0.113.9"]),
            ip("127.0.0.1"),
            "no trusted proxy: header ignored"
        );
        let p = policy(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(p.client_ip(ip("192.0.2.1"), &[b"203.0.113.9"]), ip("192.0.2.1"), "untrusted peer");
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[b"203.0.113.9"]), ip("203.0.113.9"));
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &[b"1.1.1.1, 203.0.113.9, 10.1.2.3"]),
            ip("203.0.113.9"),
            "right-most untrusted"
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &[b"1.1.1.1", b"203.0.113.9:4444"]),
            ip("203.0.113.9"),
            "several headers, a port"
        );
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[b"garbage, 10.1.2.3"]), ip("10.1.2.3"), "garbage ends the walk");
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[b"[2001:db8::5]:80"]), ip("2001:db8::5"));
        assert_eq!(p.client_ip(ip("::ffff:127.0.0.1"), &[b"198.51.100.1"]), ip("198.51.100.1"), "mapped peer");
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[]), ip("127.0.0.1"), "no header");
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[b"\xff\xfe"]), ip("127.0.0.1"), "not UTF-8");
    }

    #[test]
    fn ranges_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.255.0.1")) && !c.contains(ip("11.0.0.1")) && !c.contains(ip("::1")));
        assert!("::1".parse::<Cidr>().unwrap().contains(ip("::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "host", "10.0.0.0/8/8", "1.2.3.4/0008"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
        let err = "10.0.0.0/33".parse::<Cidr>().unwrap_err().to_string();
        assert!(err.starts_with("\"10.0.0.0/33\" is not an address or a range"), "{err}");
    }

    #[test]
    fn ranges_keep_their_forms() {
        for (written, shown) in [
            (" 10.0.0.0/8 ", "10.0.0.0/8"),
            ("10.1.2.3/8", "10.1.2.3/8"),
            ("127.0.0.1", "127.0.0.1/32"),
            ("::1", "::1/128"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("::ffff:192.0.2.7", "192.0.2.7/32"),
            ("::ffff:10.0.0.0/8", "10.0.0.0/8"),
        ] {
            let c: Cidr = written.parse().unwrap();
            assert_eq!(c.to_string(), shown, "{written:?}");
            assert_eq!(shown.parse::<Cidr>(), Ok(c), "{shown:?} reads back");
        }
        // The host bits of a range do not matter for membership.
        let c: Cidr = "10.1.2.3/8".parse().unwrap();
        assert!(c.contains(ip("10.200.0.1")) && c.contains(ip("::ffff:10.0.0.1")) && !c.contains(ip("11.0.0.0")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")) && !v6.contains(ip("1.2.3.4")));
        assert!("::ffff:10.0.0.0/33".parse::<Cidr>().is_err(), "a mapped range counts IPv4 bits");
        assert!(!"::/0".parse::<Cidr>().unwrap().contains(ip("::ffff:1.2.3.4")), "mapped addresses are IPv4");
    }

    /// The origin hash is stored: it must never change. Values computed independently
    /// (Python: SHA-256 of secret, family, prefix length and the network's bytes; the
    /// first 8 bytes, big-endian, shifted right once).
    #[test]
    fn the_origin_hash_is_stable() {
        let p = policy(&[]);
        assert_eq!(p.origin(ip("192.0.2.77")), Origin(5004557430342190086, Family::V4));
        assert_eq!(p.origin(ip("2001:db8:1:2::1")), Origin(6715114442018581916, Family::V6));
        assert_eq!(p.origin(ip("::ffff:192.0.2.77")).1, Family::V4, "a mapped address is IPv4");
        let all = OriginPolicy { v4_prefix: 0, ..p };
        assert_eq!(all.origin(ip("203.0.113.5")), Origin(8462056254030520896, Family::V4));
    }
}
