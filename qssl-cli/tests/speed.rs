//! `qssl speed`: the table's shape for a quick selection, on each provider, and the
//! one-line error for a name it does not know.

mod common;

use std::time::Duration;

use common::{qssl, run_bounded};

const LIMIT: Duration = Duration::from_secs(120);

/// Runs `qssl speed ARGS` and returns the table's rows as (algorithm, operation,
/// ops/s, us/op, MB/s) after checking the two header lines.
fn table(args: &[&str], provider: &str) -> Vec<(String, String, f64, f64, String)> {
    let run = run_bounded(qssl().arg("speed").args(args), LIMIT);
    assert!(run.status.success(), "{run:?}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let mut lines = run.stdout.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(&format!("provider: {provider};")),
        "{first}"
    );
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["algorithm", "operation", "ops/s", "us/op", "MB/s"]);
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(cols.len(), 5, "{l}");
            let ops: f64 = cols[2].parse().unwrap();
            let us: f64 = cols[3].parse().unwrap();
            assert!(ops > 0.0 && us > 0.0, "{l}");
            // us/op is the inverse of ops/s (both rounded as printed).
            assert!((ops * us / 1e6 - 1.0).abs() < 0.02, "{l}");
            (
                cols[0].to_owned(),
                cols[1].to_owned(),
                ops,
                us,
                cols[4].to_owned(),
            )
        })
        .collect()
}

#[test]
fn speed_prints_one_row_per_operation() {
    for (flag, provider) in [
        (None, qssl::DEFAULT_PROVIDER_NAME),
        (Some("portable"), "portable"),
    ] {
        let mut args = vec!["mlkem768", "aes-128-gcm", "--seconds", "0.02"];
        if let Some(p) = flag {
            args.extend(["--provider", p]);
        }
        let rows = table(&args, provider);
        let names: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
        assert_eq!(
            names,
            [
                ("mlkem768", "keygen"),
                ("mlkem768", "encaps"),
                ("mlkem768", "decaps"),
                ("aes-128-gcm", "seal"),
                ("aes-128-gcm", "open"),
            ]
        );
        for r in &rows {
            if r.0 == "aes-128-gcm" {
                // 16 KiB per operation.
                let mb: f64 = r.4.parse().unwrap();
                assert!((mb / (r.2 * 16384.0 / 1e6) - 1.0).abs() < 0.02, "{r:?}");
            } else {
                assert_eq!(r.4, "-");
            }
        }
    }
}

#[test]
fn speed_measures_signatures_and_handshakes() {
    let rows = table(
        &["ed25519", "handshake-ecdsa-p256", "--seconds", "0.02"],
        qssl::DEFAULT_PROVIDER_NAME,
    );
    let names: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        names,
        [
            ("ed25519", "sign"),
            ("ed25519", "verify"),
            ("handshake-ecdsa-p256", "full"),
        ]
    );
}

#[test]
fn speed_names_the_unknown_algorithm() {
    let run = run_bounded(qssl().args(["speed", "mlkem999"]), LIMIT);
    let line = run.one_error_line();
    assert!(line.contains("unknown algorithm `mlkem999`"), "{line}");
    assert!(line.contains("mlkem768"), "{line}");
}
