//! Shared by the benches: reading back criterion's results of the current run.

/// Criterion's median estimate (ns) of the benchmark stored under `target/criterion/<dir>`
/// (`group/function` with `/` in a function name written as `_`; a `BenchmarkId` adds its
/// parameter as a subdirectory).
pub fn median(dir: &str) -> Option<f64> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("../criterion")
        .join(dir)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}
