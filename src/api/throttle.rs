//! Staying within Graph's throttling limits and waiting when the backend says it is busy.
//! Plain Rust, tested natively; [`super::http`] applies it to every request.
//!
//! Graph documents the limits of the eSIM resources (`embeddedSIMActivationCodePool`, its
//! assignments and `embeddedSIMDeviceState`) under "Intune telephony service limits"
//! (<https://learn.microsoft.com/graph/throttling-limits>, `includes/throttling-intune-telephony.md`
//! in `microsoftgraph/microsoft-graph-docs-contrib`): per app per tenant 1,000 requests and
//! 100 writes (POST, PUT, DELETE, PATCH) per 20 seconds; per tenant for all apps 2,000 and
//! 200. Every admin's tab of this console is the same app in the same tenant, so one tab
//! keeps to a fifth of the per-app figures ([`GRAPH_REQUESTS`], [`GRAPH_WRITES`]): five admins
//! refreshing at once stay within the limit. A throttled answer (429, or 503) is retried
//! after its `Retry-After` (Graph's advice), or after a growing pause when the header is
//! missing or hidden (a cross-origin response shows it only when the server exposes it).

use std::collections::VecDeque;

/// The window Graph counts requests in, in milliseconds.
pub const GRAPH_SPAN_MS: f64 = 20_000.0;
/// Requests of any kind one tab sends to Graph per [`GRAPH_SPAN_MS`] (a fifth of 1,000).
pub const GRAPH_REQUESTS: usize = 200;
/// Writes one tab sends to Graph per [`GRAPH_SPAN_MS`] (a fifth of 100).
pub const GRAPH_WRITES: usize = 20;

// Five tabs together stay within Graph's per-app limits (1,000 requests, 100 writes).
const _: () = assert!(GRAPH_REQUESTS * 5 <= 1000 && GRAPH_WRITES * 5 <= 100);
/// How many times one request is retried after a throttled answer before the error is shown.
pub const MAX_RETRIES: u32 = 5;
/// The longest wait the console accepts from `Retry-After`, in seconds (a longer one is
/// shown as the error it is, not as a wait of hours).
pub const MAX_WAIT_S: u32 = 300;

/// Seconds to wait before trying again after an answer with `status` and the
/// `Retry-After` header `retry_after`, on the `attempt`th retry (0 for the first); `None`
/// when the answer is not a throttled one or the retries are used up.
pub fn retry_delay(status: u16, retry_after: Option<&str>, attempt: u32) -> Option<u32> {
    if !matches!(status, 429 | 503) || attempt >= MAX_RETRIES {
        return None;
    }
    // Graph sends whole seconds; an HTTP date or junk gets the growing pause.
    let said = retry_after.and_then(|value| value.trim().parse::<u32>().ok());
    match said {
        Some(seconds) if seconds > MAX_WAIT_S => None,
        Some(seconds) => Some(seconds.max(1)),
        None => Some(2u32.pow(attempt + 1).min(60)),
    }
}

/// A sliding window of request times: at most `limit` in any `span_ms`.
#[derive(Debug, Clone)]
pub struct Window {
    span_ms: f64,
    limit: usize,
    sent: VecDeque<f64>,
}

impl Window {
    /// A window allowing `limit` requests per `span_ms` milliseconds.
    pub fn new(limit: usize, span_ms: f64) -> Window {
        Window {
            span_ms,
            limit: limit.max(1),
            sent: VecDeque::new(),
        }
    }

    /// How long to wait (ms) before a request may go at `now_ms`; when 0 the request is
    /// counted as sent now.
    pub fn wait_ms(&mut self, now_ms: f64) -> f64 {
        while self
            .sent
            .front()
            .is_some_and(|&at| now_ms - at >= self.span_ms)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now_ms);
            return 0.0;
        }
        let oldest = self.sent.front().copied().unwrap_or(now_ms);
        (oldest + self.span_ms - now_ms).max(1.0)
    }
}

/// Whether a method writes (Graph counts writes separately).
pub fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttled_answers_wait_for_retry_after_then_give_up() {
        assert_eq!(retry_delay(429, Some("7"), 0), Some(7));
        assert_eq!(retry_delay(503, Some(" 3 "), 2), Some(3));
        assert_eq!(retry_delay(429, Some("0"), 0), Some(1));
        // Missing, hidden or an HTTP date: a growing pause.
        assert_eq!(retry_delay(429, None, 0), Some(2));
        assert_eq!(retry_delay(429, None, 2), Some(8));
        assert_eq!(
            retry_delay(503, Some("Wed, 21 Oct 2026 07:28:00 GMT"), 1),
            Some(4)
        );
        assert_eq!(retry_delay(429, Some("1"), MAX_RETRIES), None);
        assert_eq!(retry_delay(429, Some("3600"), 0), None);
        for status in [200, 400, 401, 404, 500, 502, 504] {
            assert_eq!(retry_delay(status, Some("1"), 0), None, "{status}");
        }
    }

    #[test]
    fn the_window_holds_requests_to_the_limit() {
        let mut w = Window::new(3, 20_000.0);
        assert_eq!(w.wait_ms(0.0), 0.0);
        assert_eq!(w.wait_ms(100.0), 0.0);
        assert_eq!(w.wait_ms(200.0), 0.0);
        // The fourth waits until the first leaves the window.
        assert_eq!(w.wait_ms(300.0), 19_700.0);
        assert_eq!(w.wait_ms(20_000.0), 0.0);
        assert_eq!(w.wait_ms(20_050.0), 50.0);
        assert_eq!(w.wait_ms(20_100.0), 0.0);
    }

    #[test]
    fn a_busy_refresh_never_exceeds_graphs_documented_rate() {
        // A refresh loop that asks as fast as it may for a minute sends no more than the
        // limit in any 20-second window.
        let mut w = Window::new(GRAPH_REQUESTS, GRAPH_SPAN_MS);
        let mut now = 0.0;
        let mut sent = Vec::new();
        while now < 60_000.0 {
            let wait = w.wait_ms(now);
            if wait == 0.0 {
                sent.push(now);
                now += 5.0;
            } else {
                now += wait;
            }
        }
        for (i, &start) in sent.iter().enumerate() {
            let within = sent[i..]
                .iter()
                .take_while(|&&at| at - start < GRAPH_SPAN_MS)
                .count();
            assert!(
                within <= GRAPH_REQUESTS,
                "{within} requests from {start} ms"
            );
        }
        assert!(is_write("PATCH") && !is_write("GET"));
    }
}
