//! A limit on failed authentication per client address: after [`MAX_FAILURES`] refused
//! tokens within [`WINDOW`], every request of that address that needs a token gets a 429
//! with `Retry-After` until the window ends, before its token is looked at (so a guess
//! made while limited cannot succeed either). Tokens have 256 random bits, so this is not
//! what keeps them secret; it keeps a guessing or misconfigured client from costing a
//! database read per request without end, and makes it visible in the log.
//!
//! The client address is the TCP peer's, unless the peer is one of the reverse proxies
//! named with `--trusted-proxy` ([`TrustedProxies`]): then it is the address the proxies
//! forward (`Forwarded: for=`, else `X-Forwarded-For`), read from the right past every
//! trusted proxy. Without that, every client behind a proxy would share the proxy's
//! address, and 20 wrong tokens from one of them would lock out all the others (devices
//! with valid tokens included).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refused tokens allowed per address and window.
pub const MAX_FAILURES: u32 = 20;

/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Beyond this many addresses, ended windows are dropped when a failure is recorded.
const PRUNE_AT: usize = 10_000;

/// The failures of each client address (`None`: the address is unknown, such as in tests
/// that call the router directly).
#[derive(Debug, Default)]
pub struct Failures {
    windows: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl Failures {
    /// `Some(seconds to wait)` when `addr` has used up its failures in the current window.
    pub fn limited(&self, addr: Option<IpAddr>) -> Option<u64> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let (start, n) = windows.get(&addr)?;
        let left = WINDOW.checked_sub(start.elapsed())?;
        (*n >= MAX_FAILURES).then(|| left.as_secs().max(1))
    }

    /// Records a refused token from `addr`.
    pub fn record(&self, addr: Option<IpAddr>) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, (start, _)| start.elapsed() < WINDOW);
        }
        let now = Instant::now();
        let entry = windows.entry(addr).or_insert((now, 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 == MAX_FAILURES {
            tracing::warn!(
                address = ?addr,
                failures = MAX_FAILURES,
                window_s = WINDOW.as_secs(),
                "failed authentication limit reached; the address gets 429 until the window ends"
            );
        }
    }
}

/// The reverse proxies whose forwarded client address is believed (`--trusted-proxy`,
/// addresses or CIDR ranges); none by default, so a client cannot choose its own bucket by
/// sending the headers itself.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Trusts these addresses and ranges.
    pub fn new(nets: Vec<ipnet::IpNet>) -> Self {
        TrustedProxies(nets)
    }

    /// Parses one `--trusted-proxy` value: an address (`10.0.0.5`, `::1`) or a range
    /// (`10.0.0.0/8`).
    pub fn parse(value: &str) -> Result<ipnet::IpNet, String> {
        let value = value.trim();
        if let Ok(ip) = value.parse::<IpAddr>() {
            return Ok(ipnet::IpNet::from(ip));
        }
        value.parse::<ipnet::IpNet>().map_err(|_| {
            format!("{value:?} is neither an IP address nor a CIDR range such as 10.0.0.0/8")
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer` (the TCP peer): `peer` itself unless it is trusted; then
    /// the forwarded chain (`Forwarded` `for=` values, else `X-Forwarded-For`, every header
    /// line in order) read from the right, skipping trusted proxies, up to the first
    /// address that is not trusted. An element that is not an address (`unknown`, an
    /// obfuscated identifier) ends the walk at the last trusted hop: the request is counted
    /// against that proxy rather than against an address anybody could write.
    pub fn client(&self, peer: Option<IpAddr>, headers: &axum::http::HeaderMap) -> Option<IpAddr> {
        let mut client = peer?;
        if self.0.is_empty() || !self.trusts(client) {
            return Some(client);
        }
        for hop in forwarded_for(headers).into_iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                None => break,
            }
        }
        Some(client)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports)
/// is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The forwarded chain, client first: RFC 7239 `Forwarded` (`for=` of each element) when
/// present, else `X-Forwarded-For`. `None` for an element that is not an address.
fn forwarded_for(headers: &axum::http::HeaderMap) -> Vec<Option<IpAddr>> {
    let lines = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
    };
    let forwarded = lines("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .into_iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| node_address(node.trim().trim_matches('"')))
            })
            .collect();
    }
    lines("x-forwarded-for")
        .into_iter()
        .map(node_address)
        .collect()
}

/// The address of a node: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]`
/// or `[2001:db8::1]:4711`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_forwarded_client_counts_only_behind_a_trusted_proxy() {
        let proxies = TrustedProxies::new(vec![
            TrustedProxies::parse("10.0.0.0/8").unwrap(),
            TrustedProxies::parse("::1").unwrap(),
        ]);
        let xff = headers(&[("x-forwarded-for", "203.0.113.9, 10.1.2.3")]);
        // From a trusted proxy: the first untrusted hop from the right.
        assert_eq!(proxies.client(ip("10.0.0.2"), &xff), ip("203.0.113.9"));
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.2"), &xff),
            ip("203.0.113.9")
        );
        // From anybody else the header is the client's own word: the peer counts.
        assert_eq!(proxies.client(ip("198.51.100.4"), &xff), ip("198.51.100.4"));
        // No proxies configured: the peer, always.
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.2"), &xff),
            ip("10.0.0.2")
        );
        // A spoofed left part does not help: the walk stops at the first untrusted hop.
        let spoofed = headers(&[("x-forwarded-for", "192.0.2.200, 203.0.113.9")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &spoofed), ip("203.0.113.9"));
        // RFC 7239, with ports, IPv6 and several header lines; it wins over X-Forwarded-For.
        let forwarded = headers(&[
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("forwarded", "for=10.9.9.9:80"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(proxies.client(ip("::1"), &forwarded), ip("2001:db8::7"));
        // Not an address: counted against the last trusted hop.
        let unknown = headers(&[("forwarded", "for=unknown, for=10.9.9.9")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &unknown), ip("10.9.9.9"));
        // No header at all: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &headers(&[])),
            ip("10.0.0.2")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
    }

    #[test]
    fn limits_one_address_only() {
        let f = Failures::default();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        for _ in 0..MAX_FAILURES - 1 {
            f.record(a);
        }
        assert_eq!(f.limited(a), None);
        f.record(a);
        let wait = f.limited(a).expect("limited");
        assert!((1..=WINDOW.as_secs()).contains(&wait));
        assert_eq!(f.limited(b), None);
        assert_eq!(f.limited(None), None);
    }
}
