//! A limit on failed authentication per client address: after [`MAX_FAILURES`] refused
//! tokens within [`WINDOW`], every request of that address that needs a token gets a 429
//! with `Retry-After` until the window ends, before its token is looked at (so a guess
//! made while limited cannot succeed either). Tokens have 256 random bits, so this is not
//! what keeps them secret; it keeps a guessing or misconfigured client from costing a
//! database read per request without end, and makes it visible in the log.

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

#[cfg(test)]
mod tests {
    use super::*;

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
