//! Project tasks for Q-SSL, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Plain `std` only, so that it compiles in a second on a fresh machine.
//!
//! - `cargo xtask test`: everything CI checks, in the order that fails fastest:
//!   `cargo fmt --check`, `cargo clippy --workspace --all-targets --all-features -- -D warnings`,
//!   `cargo test --workspace --all-features` (so the `tokio` adapter's tests run too; this
//!   includes the interoperability matrix).
//! - `cargo xtask interop`: the interoperability matrix against OpenSSL and rustls
//!   (`cargo test --workspace --all-features --test matrix`: the same feature set as
//!   `cargo xtask test`, so the OpenSSL and aws-lc builds are reused), rendered into `docs/interop.md`.
//! - `cargo xtask bench`: the criterion benches of every crate.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("interop") => interop(),
        Some("help") | Some("--help") | Some("-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         test    fmt check, clippy -D warnings, the whole test suite (what CI runs)\n  \
         interop the Q-SSL × OpenSSL / rustls matrix; writes docs/interop.md\n  \
         bench   criterion benches of every crate (extra args go to `cargo bench`)"
    );
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &[&str], vars: &[(&str, &Path)]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = Instant::now();
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    eprintln!(
        "xtask: cargo {} finished in {:.1}s",
        args.first().copied().unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn test() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-features"])?;
    Ok(())
}

fn bench(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--workspace"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    cargo(&args)
}

/// Runs the interoperability matrix with its summary going to a fresh directory,
/// then renders `docs/interop.md` from it — also when some cases failed, so the
/// table shows them; the task fails after writing.
fn interop() -> Result<(), String> {
    let root = workspace_root();
    let out = root.join("target").join("interop-summary");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = Instant::now();
    let run = cargo_with_env(
        &["test", "--workspace", "--all-features", "--test", "matrix"],
        &[("QSSL_INTEROP_OUT", &out)],
    );
    let elapsed = started.elapsed();
    let rows = read_summary(&out)?;
    if rows.is_empty() {
        return run.and(Err("the matrix wrote no summary".to_owned()));
    }
    let doc = render_interop(&rows);
    let path = root.join("docs").join("interop.md");
    std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
    let failed = rows.iter().filter(|r| r.failed()).count();
    eprintln!(
        "xtask: {} combinations, {} passed, {failed} failed; matrix run {:.1}s; wrote {}",
        rows.len(),
        rows.len() - failed,
        elapsed.as_secs_f64(),
        path.display()
    );
    run
}

/// One line of a section's `.tsv`: section, combination, peer, direction,
/// result, group, suite, scheme.
struct SummaryRow {
    fields: Vec<String>,
}

impl SummaryRow {
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }

    fn failed(&self) -> bool {
        self.get(4).starts_with("FAIL")
    }
}

fn read_summary(dir: &Path) -> Result<Vec<SummaryRow>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    // Sections are named "NN-name": sorted, the table has a fixed order.
    files.sort();
    let mut rows = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        rows.extend(
            text.lines()
                .filter(|l| !l.is_empty())
                .map(|line| SummaryRow {
                    fields: line.split('\t').map(str::to_owned).collect(),
                }),
        );
    }
    Ok(rows)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn render_interop(rows: &[SummaryRow]) -> String {
    let failed = rows.iter().filter(|r| r.failed()).count();
    let mut doc = String::from(
        "# Interoperability\n\n\
         Generated by `cargo xtask interop` from the matrix in\n\
         `qssl-interop/tests/matrix.rs` (also run by `cargo xtask test`); do not edit by hand.\n\n\
         Q-SSL against OpenSSL 3.6 (the `openssl` crate, vendored) and rustls 0.23 (aws-lc-rs),\n\
         in process over 127.0.0.1, both directions. Not the cross product but a covering design:\n\
         every group, every suite, every server and client certificate type, each in both\n\
         directions against both peers (where the peer has it), plus HelloRetryRequest, ALPN,\n\
         KeyUpdate, 64 MiB transfers and refusals. Every passing row checked the data, the\n\
         group / suite / version on the wire and by each end's own account, ALPN, the\n\
         certificate type and CertificateVerify scheme, Q-SSL's post-quantum flags, and\n\
         close_notify both ways. Group and suite are read off the wire (ServerHello); the scheme\n\
         is the server's CertificateVerify scheme as Q-SSL reports it.\n\n\
         Not covered: OpenSSL initiating KeyUpdate (the `openssl` crate binds no\n\
         `SSL_key_update`), TLS 1.2, resumption and 0-RTT.\n\n",
    );
    doc.push_str(&format!(
        "**{} combinations: {} pass, {failed} fail.**\n",
        rows.len(),
        rows.len() - failed
    ));
    let mut current = "";
    for row in rows {
        let section = row.get(0);
        if section != current {
            current = section;
            let title = section.split_once('-').map_or(section, |(_, t)| t);
            let count = rows.iter().filter(|r| r.get(0) == section).count();
            doc.push_str(&format!(
                "\n## {title} ({count})\n\n\
                 | combination | peer | direction | result | group | suite | scheme |\n\
                 | --- | --- | --- | --- | --- | --- | --- |\n"
            ));
        }
        let cells: Vec<String> = [1, 2, 3, 4, 5, 6, 7]
            .iter()
            .map(|&i| cell(row.get(i)))
            .collect();
        doc.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    doc
}
