//! CPU profiles of the console's page loads (`esim-bench startup --profile DIR`): V8's
//! sampling profiler (Chrome DevTools Protocol `Profiler`) around one full load of each
//! console, saved as `.cpuprofile` (DevTools' Performance panel opens them) and summed up
//! by function. A wasm function has its name only where the build kept its name section
//! (see docs/ARCHITECTURE.md, "Profiling the console").

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use esim_test_support::browser::cdp;
use serde_json::{json, Value};

/// Starts V8's sampling profiler in the session's page, sampling every 100 µs.
pub async fn start(endpoint: &str) -> Result<()> {
    cdp(endpoint, "Profiler.enable", json!({})).await?;
    cdp(
        endpoint,
        "Profiler.setSamplingInterval",
        json!({ "interval": 100 }),
    )
    .await?;
    cdp(endpoint, "Profiler.start", json!({})).await?;
    Ok(())
}

/// Stops the profiler, saves the profile as `path` and returns its summary.
pub async fn stop(endpoint: &str, path: &Path, top: usize) -> Result<String> {
    let answer = cdp(endpoint, "Profiler.stop", json!({})).await?;
    let profile = answer
        .get("profile")
        .context("Profiler.stop answered no profile")?;
    std::fs::write(path, serde_json::to_vec(profile)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(summary(profile, top))
}

/// Self time and total time per function (milliseconds), the `top` of each.
pub fn summary(profile: &Value, top: usize) -> String {
    let empty = Vec::new();
    let nodes = profile["nodes"].as_array().unwrap_or(&empty);
    let mut name = HashMap::new();
    let mut parent = HashMap::new();
    for node in nodes {
        let id = node["id"].as_u64().unwrap_or_default();
        let frame = &node["callFrame"];
        let function = frame["functionName"].as_str().unwrap_or_default();
        let url = frame["url"].as_str().unwrap_or_default();
        let file = url.rsplit('/').next().unwrap_or_default();
        let label = match (function, file) {
            ("", "") => "(anonymous)".to_owned(),
            ("", file) => format!("(anonymous) {file}"),
            (f, _) if f.starts_with('(') || f.starts_with('$') => f.to_owned(),
            (f, "") => f.to_owned(),
            (f, file) => format!("{f} {file}"),
        };
        name.insert(id, label);
        for child in node["children"].as_array().unwrap_or(&empty) {
            parent.insert(child.as_u64().unwrap_or_default(), id);
        }
    }
    let samples = profile["samples"].as_array().unwrap_or(&empty);
    let deltas = profile["timeDeltas"].as_array().unwrap_or(&empty);
    let mut own: HashMap<&str, f64> = HashMap::new();
    let mut total: HashMap<&str, f64> = HashMap::new();
    let mut busy = 0.0;
    for (i, sample) in samples.iter().enumerate() {
        // A sample's time is the gap to the next one.
        let ms = deltas
            .get(i + 1)
            .and_then(Value::as_f64)
            .unwrap_or_default()
            / 1000.0;
        let mut id = sample.as_u64().unwrap_or_default();
        let Some(leaf) = name.get(&id) else { continue };
        *own.entry(leaf).or_default() += ms;
        if leaf != "(idle)" {
            busy += ms;
        }
        let mut seen = Vec::new();
        while let Some(label) = name.get(&id) {
            if !seen.contains(&label.as_str()) {
                seen.push(label.as_str());
                *total.entry(label).or_default() += ms;
            }
            match parent.get(&id) {
                Some(p) => id = *p,
                None => break,
            }
        }
    }
    let mut w = String::new();
    let _ = writeln!(w, "      busy (not idle): {busy:.1} ms");
    for (title, table) in [("self", &own), ("total", &total)] {
        let mut rows: Vec<_> = table.iter().collect();
        rows.sort_by(|a, b| b.1.total_cmp(a.1));
        let _ = writeln!(w, "      by {title} time:");
        for (label, ms) in rows.into_iter().take(top) {
            let label: String = label.chars().take(160).collect();
            let _ = writeln!(w, "        {ms:7.1} ms  {label}");
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_profile_is_summed_by_self_and_total_time() {
        // root -> main (app.wasm) -> { render, idle }; a recursive frame counts once.
        let frame = |name: &str, url: &str| json!({"functionName": name, "url": url});
        let profile = json!({
            "nodes": [
                {"id": 1, "callFrame": frame("(root)", ""), "children": [2, 5]},
                {"id": 2, "callFrame": frame("main", "http://h/app.wasm"), "children": [3]},
                {"id": 3, "callFrame": frame("render", "http://h/app.js"), "children": [4]},
                {"id": 4, "callFrame": frame("render", "http://h/app.js"), "children": []},
                {"id": 5, "callFrame": frame("(idle)", ""), "children": []},
            ],
            // Each sample's time is the gap to the next: 2, 3, 5 ms; the last has none.
            "samples": [2, 4, 5, 3],
            "timeDeltas": [0, 2000, 3000, 5000],
        });
        let text = summary(&profile, 10);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        assert_eq!(lines[0], "busy (not idle): 5.0 ms", "{text}");
        let self_at = lines.iter().position(|l| *l == "by self time:").unwrap();
        let total_at = lines.iter().position(|l| *l == "by total time:").unwrap();
        let own = &lines[self_at + 1..total_at];
        assert_eq!(own[0], "5.0 ms  (idle)", "{text}");
        assert!(own.contains(&"3.0 ms  render app.js"), "{text}");
        assert!(own.contains(&"2.0 ms  main app.wasm"), "{text}");
        let total = &lines[total_at + 1..];
        assert_eq!(total[0], "10.0 ms  (root)", "{text}");
        assert!(total.contains(&"5.0 ms  main app.wasm"), "{text}");
        assert!(total.contains(&"3.0 ms  render app.js"), "{text}");
    }
}
