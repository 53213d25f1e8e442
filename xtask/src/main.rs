//! Project tasks for Q-SSL, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Plain `std` only, so that it compiles in a second on a fresh machine.
//!
//! - `cargo xtask test`: everything CI checks, in the order that fails fastest:
//!   `cargo fmt --check`, `cargo clippy --workspace --all-targets --all-features -- -D warnings`,
//!   `cargo test --workspace --all-features` (so the `tokio` adapter's tests run too; this
//!   includes the interoperability matrix; the facade computes with aws-lc, its default),
//!   `cargo test -p qssl --no-default-features --features tokio` (the facade's tests
//!   again on the portable provider), then a smoke run of every fuzz target
//!   ([`FUZZ_SMOKE_SECONDS`] each).
//! - `cargo xtask fuzz [--seconds N] [TARGET]`: builds the cargo-fuzz targets of `fuzz/`
//!   (installing cargo-fuzz if missing) and runs each one, or `TARGET`, for N seconds
//!   (default 60) from a scratch copy of its committed corpus; fails on any crash,
//!   timeout, leak or out-of-memory.
//! - `cargo xtask interop`: the interoperability matrix against OpenSSL and rustls
//!   (`cargo test --workspace --all-features --test matrix`: the same feature set as
//!   `cargo xtask test`, so the OpenSSL and aws-lc builds are reused), rendered into `docs/interop.md`.
//! - `cargo xtask bench [--quick] [--no-crates]`: Q-SSL against rustls and OpenSSL
//!   (qssl-interop benches) and the crate benches, tables of ratios into BENCHMARKS.md.
//! - `cargo xtask hsm`: the PKCS#11 suite (`cargo test -p qssl-hsm --all-features`) on
//!   SoftHSM2 and kryoptic (a PKCS#11 3.2 token with ML-DSA): installs the Debian
//!   packages `softhsm2` and `libclang-dev` with apt-get when missing and we are root
//!   (otherwise one line saying what to install, and failure), builds kryoptic once
//!   into `target/qssl-hsm-tools/` against the vendored OpenSSL build, and runs the
//!   suite with `QSSL_KRYOPTIC_MODULE` set. The tests make their own throwaway tokens.
//!   `cargo xtask test` runs the same tests within the workspace run, after the same
//!   steps; with `CI` set they fail instead of skipping when a token is missing.
//! - `cargo xtask soak [--seconds N] [--bin-dir DIR]`: builds `qssl` and the
//!   `qssl-interop` example `soak` (or takes both from DIR) and runs a real
//!   `qssl server` on loopback for N seconds (default 60): half under good Q-SSL and
//!   OpenSSL clients only, half beside hostile ones (stalled and silent handshakes,
//!   garbage, KeyUpdate and warning-alert floods). Prints handshakes/s, failures, the
//!   server's peak RSS and threads; fails if a good client fails or the server's memory
//!   keeps growing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Instant, SystemTime};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("interop") => interop(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("hsm") => hsm(),
        Some("soak") => soak(&args[1..]),
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
         test    fmt check, clippy -D warnings, the whole test suite, a fuzz smoke run (what CI runs)\n  \
         interop the Q-SSL × OpenSSL / rustls matrix; writes docs/interop.md\n  \
         fuzz    [--seconds N] [TARGET]: build the fuzz targets, run each (or TARGET) N s\n  \
         hsm     the PKCS#11 (qssl-hsm) suite on SoftHSM2, installing softhsm2 if root and missing\n  \
         soak    [--seconds N] [--bin-dir DIR]: a qssl server under good and hostile clients for N s\n  \
         bench   side-by-side benches vs rustls/OpenSSL + crate benches, rewrites BENCHMARKS.md\n          \
                 [--quick: short criterion runs] [--no-crates: qssl-interop benches only]"
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
    // The HSM suite (qssl-hsm's tests) is part of the workspace run; it needs SoftHSM2
    // and a kryoptic module (built here, once).
    if let Err(e) = ensure_softhsm2() {
        if in_ci() {
            return Err(e);
        }
        eprintln!("xtask: warning: {e}; the SoftHSM2 tests will be skipped");
    }
    let kryoptic = match ensure_kryoptic() {
        Ok(path) => Some(path),
        Err(e) if in_ci() => return Err(e),
        Err(e) => {
            eprintln!("xtask: warning: {e}; the kryoptic (ML-DSA token) tests will be skipped");
            None
        }
    };
    match &kryoptic {
        Some(path) => cargo_with_env(
            &["test", "--workspace", "--all-features"],
            &[(KRYOPTIC_VAR, path.as_path())],
        )?,
        None => cargo(&["test", "--workspace", "--all-features"])?,
    }
    // The facade's tests once more on the portable provider, one feature switch away
    // (`default-features = false`): every facade test runs on both providers.
    cargo(&[
        "test",
        "-p",
        "qssl",
        "--no-default-features",
        "--features",
        "tokio",
    ])?;
    fuzz_smoke()
}

/// `CI` is set to something other than empty, `0` or `false` (CI systems set `true`).
fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Where distributions put the SoftHSM2 module (the tests look in the same places).
const SOFTHSM2_MODULES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

fn softhsm2_present() -> bool {
    let util = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    util && SOFTHSM2_MODULES.iter().any(|m| Path::new(m).exists())
}

fn is_root() -> bool {
    command_output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

/// SoftHSM2 (module and `softhsm2-util`) is installed, or is installed now with
/// apt-get when we are root on a Debian-like machine.
fn ensure_softhsm2() -> Result<(), String> {
    if softhsm2_present() {
        return Ok(());
    }
    apt_install(&["softhsm2"])?;
    if softhsm2_present() {
        Ok(())
    } else {
        Err(
            "apt-get installed softhsm2, but libsofthsm2.so or softhsm2-util is still not found"
                .into(),
        )
    }
}

/// The variable the kryoptic tests read the module path from.
const KRYOPTIC_VAR: &str = "QSSL_KRYOPTIC_MODULE";
/// kryoptic, a PKCS#11 3.2 soft token with ML-DSA (crates.io), pinned.
const KRYOPTIC_VERSION: &str = "1.5.4";

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// apt-get install `packages` (root only; otherwise the error says what to install).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let apt = Command::new("apt-get")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(is_root() && apt) {
        return Err(format!(
            "missing Debian packages: install {} (apt-get install -y {}) and run again",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend_from_slice(packages);
    for args in [&["update"][..], &install[..]] {
        eprintln!("xtask: $ apt-get {}", args.join(" "));
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("could not run apt-get: {e}"))?;
        if !status.success() {
            return Err(format!("`apt-get {}` failed ({status})", args.join(" ")));
        }
    }
    Ok(())
}

/// The newest `/usr/lib/llvm-*/lib` holding libclang (bindgen, for kryoptic's build).
fn libclang_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("llvm-"))
        .map(|e| e.path().join("lib"))
        .filter(|lib| {
            std::fs::read_dir(lib).is_ok_and(|entries| {
                entries.filter_map(Result::ok).any(|f| {
                    let name = f.file_name().to_string_lossy().into_owned();
                    name.starts_with("libclang.so") || name.starts_with("libclang-")
                })
            })
        })
        .collect();
    dirs.sort();
    dirs.pop()
}

/// An OpenSSL >= 3.5 install tree with a static libcrypto: the one the `openssl`
/// crate's `vendored` feature builds for the interop and HSM tests (openssl-src), so
/// kryoptic links the same OpenSSL without a second build.
fn vendored_openssl() -> Option<PathBuf> {
    let target = target_dir();
    let mut found = Vec::new();
    for profile in ["debug", "release"] {
        let Ok(entries) = std::fs::read_dir(target.join(profile).join("build")) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            if !entry
                .file_name()
                .to_string_lossy()
                .starts_with("openssl-sys-")
            {
                continue;
            }
            let install = entry.path().join("out/openssl-build/install");
            let Ok(text) = std::fs::read_to_string(install.join("include/openssl/opensslv.h"))
            else {
                continue;
            };
            let number = |name: &str| -> Option<u32> {
                text.lines()
                    .find(|l| l.contains(&format!("define {name} ")))?
                    .split_whitespace()
                    .last()?
                    .parse()
                    .ok()
            };
            let (Some(major), Some(minor)) = (
                number("OPENSSL_VERSION_MAJOR"),
                number("OPENSSL_VERSION_MINOR"),
            ) else {
                continue;
            };
            if (major, minor) >= (3, 5) && install.join("lib/libcrypto.a").exists() {
                found.push(install);
            }
        }
    }
    found.sort();
    found.pop()
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)
                .map_err(|e| format!("copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `libkryoptic_pkcs11.so`: `$QSSL_KRYOPTIC_MODULE` if set, else built once into
/// `target/qssl-hsm-tools/` from the crates.io source (`--no-default-features
/// --features standard,pqc,kryoptic-lib/openssl-sys`, static OpenSSL from the vendored
/// build), installing `libclang-dev` first when root and missing.
fn ensure_kryoptic() -> Result<PathBuf, String> {
    if let Some(path) = env::var_os(KRYOPTIC_VAR).map(PathBuf::from) {
        return if path.exists() {
            Ok(path)
        } else {
            Err(format!("{KRYOPTIC_VAR}={} does not exist", path.display()))
        };
    }
    let dir = target_dir()
        .join("qssl-hsm-tools")
        .join(format!("kryoptic-{KRYOPTIC_VERSION}"));
    let module = dir.join("lib/libkryoptic_pkcs11.so");
    if module.exists() {
        return Ok(module);
    }
    if libclang_dir().is_none() {
        apt_install(&["libclang-dev"])?;
    }
    let libclang = libclang_dir().ok_or("libclang not found after installing libclang-dev")?;
    if vendored_openssl().is_none() {
        // The HSM tests' dev-dependency on `openssl` (vendored) builds it.
        cargo(&["test", "-p", "qssl-hsm", "--all-features", "--no-run"])?;
    }
    let openssl = vendored_openssl()
        .ok_or("no OpenSSL >= 3.5 build with a static libcrypto under the target directory")?;

    // The crate source, through cargo (its registry cache, else crates.io).
    let fetch = dir.join("fetch");
    std::fs::create_dir_all(fetch.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        fetch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"kryoptic-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\nkryoptic = \"={KRYOPTIC_VERSION}\"\n\n[workspace]\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(fetch.join("src/main.rs"), "fn main() {}\n").map_err(|e| e.to_string())?;
    let cargo_bin = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let metadata = Command::new(&cargo_bin)
        .args(["metadata", "--format-version", "1"])
        .current_dir(&fetch)
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !metadata.status.success() {
        return Err(format!(
            "cargo metadata for kryoptic failed: {}",
            String::from_utf8_lossy(&metadata.stderr)
        ));
    }
    let json = String::from_utf8_lossy(&metadata.stdout);
    let tail = format!("kryoptic-{KRYOPTIC_VERSION}/Cargo.toml\"");
    let end = json
        .find(&tail)
        .ok_or("kryoptic is not in cargo metadata")?;
    let start = json[..end].rfind('"').ok_or("malformed cargo metadata")? + 1;
    let source = PathBuf::from(&json[start..end + tail.len() - "/Cargo.toml\"".len()]);

    // A private copy, made its own workspace root (it sits inside ours).
    let src = dir.join("src");
    let _ = std::fs::remove_dir_all(&src);
    copy_dir(&source, &src)?;
    let manifest = src.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    text.push_str("\n[workspace]\n");
    std::fs::write(&manifest, text).map_err(|e| e.to_string())?;

    eprintln!(
        "xtask: building kryoptic {KRYOPTIC_VERSION} against {} (about 2 minutes on 2 cores)",
        openssl.display()
    );
    let status = Command::new(&cargo_bin)
        .args([
            "build",
            "--release",
            "--no-default-features",
            "--features",
            "standard,pqc,kryoptic-lib/openssl-sys",
        ])
        .current_dir(&src)
        .env("OPENSSL_LIB_DIR", openssl.join("lib"))
        .env("OPENSSL_INCLUDE_DIR", openssl.join("include"))
        .env("OPENSSL_STATIC", "1")
        .env("LIBCLANG_PATH", &libclang)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building kryoptic failed ({status})"));
    }
    std::fs::create_dir_all(dir.join("lib")).map_err(|e| e.to_string())?;
    std::fs::copy(dir.join("target/release/libkryoptic_pkcs11.so"), &module)
        .map_err(|e| format!("copy libkryoptic_pkcs11.so: {e}"))?;
    Ok(module)
}

/// `cargo xtask hsm`: SoftHSM2 installed and kryoptic built if need be, then the
/// qssl-hsm suite, with `CI` set so that a missing token fails rather than skips.
/// `cargo xtask soak [--seconds N] [--bin-dir DIR]`.
fn soak(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut bin_dir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n >= 2)
                    .ok_or("soak: --seconds takes a number >= 2")?;
            }
            "--bin-dir" => {
                bin_dir = Some(PathBuf::from(
                    it.next().ok_or("soak: --bin-dir takes a directory")?,
                ));
            }
            other => return Err(format!("soak: unknown option `{other}`")),
        }
    }
    let (qssl, driver) = match bin_dir {
        Some(dir) => (dir.join("qssl"), dir.join("soak")),
        None => {
            cargo(&[
                "build",
                "-p",
                "qssl-cli",
                "--bin",
                "qssl",
                "-p",
                "qssl-interop",
                "--example",
                "soak",
            ])?;
            let debug = target_dir().join("debug");
            (debug.join("qssl"), debug.join("examples").join("soak"))
        }
    };
    eprintln!("xtask: soak for {seconds} s ({})", driver.display());
    let status = Command::new(&driver)
        .arg("--qssl")
        .arg(&qssl)
        .args(["--seconds", &seconds.to_string()])
        .status()
        .map_err(|e| format!("could not run {}: {e}", driver.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("soak failed ({status})"))
    }
}

fn hsm() -> Result<(), String> {
    ensure_softhsm2()?;
    let kryoptic = ensure_kryoptic()?;
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!(
        "xtask: $ CI=true {KRYOPTIC_VAR}={} cargo test -p qssl-hsm --all-features",
        kryoptic.display()
    );
    let status = Command::new(&cargo)
        .args(["test", "-p", "qssl-hsm", "--all-features"])
        .env("CI", "true")
        .env(KRYOPTIC_VAR, &kryoptic)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the HSM suite failed ({status})"))
    }
}

/// `cargo xtask bench [--quick] [--no-crates]`: the side-by-side benches of
/// `qssl-interop` (handshakes, bulk, memory; Q-SSL against rustls and OpenSSL in
/// one run), then the crate benches (primitives, record layer) unless
/// `--no-crates`, then rewrites `BENCHMARKS.md` from criterion's
/// `target/criterion/*/*/new/{benchmark,estimates}.json` (only files written by
/// this run) and the wire-byte and memory figures the benches leave in
/// `target/qssl-bench/`. `--quick` shortens criterion's warm-up, measurement and
/// sample count; the tables say which mode made them.
fn bench(args: &[String]) -> Result<(), String> {
    let mut quick = false;
    let mut crates = true;
    for a in args {
        match a.as_str() {
            "--quick" => quick = true,
            "--no-crates" => crates = false,
            other => return Err(format!("bench: unknown option `{other}`")),
        }
    }
    let root = workspace_root();
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = target.join("qssl-bench");
    // Old wire/memory figures must not survive into this run's tables.
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = SystemTime::now();
    let load_before = load_average();

    let criterion_args: &[&str] = if quick {
        &[
            "--warm-up-time",
            "0.5",
            "--measurement-time",
            "2",
            "--sample-size",
            "10",
        ]
    } else {
        &[]
    };
    let mut commands = Vec::new();
    // Bench targets by name: `--benches` would also run each library's libtest
    // bench harness, which rejects criterion's options.
    let mut run = |packages: &[&str], benches: &[&str]| -> Result<(), String> {
        let mut a = vec!["bench"];
        for p in packages {
            a.extend(["-p", p]);
        }
        for b in benches {
            a.extend(["--bench", b]);
        }
        if !criterion_args.is_empty() {
            a.push("--");
            a.extend(criterion_args);
        }
        commands.push(format!("cargo {}", a.join(" ")));
        cargo_with_env(&a, &[("QSSL_BENCH_OUT", out.as_path())])
    };
    run(
        &["qssl-interop"],
        &["handshake", "resumption", "bulk", "memory"],
    )?;
    if crates {
        run(
            &["qssl-crypto", "qssl-record"],
            &["kx", "sign", "hash", "record"],
        )?;
    }

    let results = criterion_results(&target.join("criterion"), started);
    let report = BenchReport {
        quick,
        results,
        wire: read_tsv(&out.join("wire.tsv")),
        memory: read_tsv(&out.join("memory.tsv")),
        versions: read_tsv(&out.join("versions.tsv")),
        commands,
        load_before,
        load_after: load_average(),
    };
    let path = root.join("BENCHMARKS.md");
    let kept = std::fs::read_to_string(&path)
        .ok()
        .and_then(|old| old.find(NOTES_MARKER).map(|i| old[i..].to_owned()))
        .unwrap_or_else(|| format!("{NOTES_MARKER}\n"));
    let text = format!("{}\n{kept}", report.render());
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

/// Everything below this line in BENCHMARKS.md is hand-written and kept as is.
const NOTES_MARKER: &str = "<!-- Hand-written notes below: `cargo xtask bench` keeps them. -->";

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// One criterion result: group, function id, mean time in nanoseconds.
struct Estimate {
    group: String,
    id: String,
    mean_ns: f64,
}

/// Reads `<criterion>/<group>/<id>/new/` for every benchmark written since
/// `since` (older directories are another run's and are ignored).
fn criterion_results(criterion: &Path, since: SystemTime) -> Vec<Estimate> {
    let mut out = Vec::new();
    let Ok(groups) = std::fs::read_dir(criterion) else {
        return out;
    };
    for group in groups.flatten() {
        let Ok(ids) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for id in ids.flatten() {
            let new = id.path().join("new");
            let estimates = new.join("estimates.json");
            let fresh = std::fs::metadata(&estimates)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since);
            if !fresh {
                continue;
            }
            let (Ok(meta), Ok(est)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(&estimates),
            ) else {
                continue;
            };
            let (Some(g), Some(i), Some(mean_ns)) = (
                json_string(&meta, "group_id"),
                json_string(&meta, "function_id"),
                json_mean(&est),
            ) else {
                continue;
            };
            out.push(Estimate {
                group: g,
                id: i,
                mean_ns,
            });
        }
    }
    out.sort_by(|a, b| (&a.group, &a.id).cmp(&(&b.group, &b.id)));
    out
}

/// The string value of `"key":"..."` in criterion's small JSON (no escapes in
/// our benchmark names).
fn json_string(json: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let start = json.find(&pat)? + pat.len();
    let len = json[start..].find('"')?;
    Some(json[start..start + len].to_owned())
}

/// `mean.point_estimate` of criterion's `estimates.json`:
/// `{"mean":{"confidence_interval":{...},"point_estimate":123.4,...},...}`.
fn json_mean(json: &str) -> Option<f64> {
    let mean = json.find("\"mean\":")?;
    let rest = &json[mean..];
    let pat = "\"point_estimate\":";
    let start = rest.find(pat)? + pat.len();
    let end = rest[start..].find([',', '}'])?;
    rest[start..start + end].trim().parse().ok()
}

struct BenchReport {
    quick: bool,
    results: Vec<Estimate>,
    wire: Vec<Vec<String>>,
    memory: Vec<Vec<String>>,
    versions: Vec<Vec<String>>,
    commands: Vec<String>,
    load_before: String,
    load_after: String,
}

/// The handshake configurations of qssl-interop/benches (group name, label).
const HANDSHAKE_SETUPS: [(&str, &str); 3] = [
    ("x25519mlkem768-ecdsap384", "X25519MLKEM768 + ECDSA P-384"),
    ("x25519-ecdsap384", "x25519 + ECDSA P-384"),
    ("x25519mlkem768-mldsa65", "X25519MLKEM768 + ML-DSA-65"),
];

const BULK_SUITES: [(&str, &str); 3] = [
    ("aes128gcm", "TLS_AES_128_GCM_SHA256"),
    ("aes256gcm", "TLS_AES_256_GCM_SHA384"),
    ("chacha20poly1305", "TLS_CHACHA20_POLY1305_SHA256"),
];

/// Bytes per bulk iteration (one 16 KiB record).
const RECORD_BYTES: f64 = 16384.0;

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "—".to_owned(),
    }
}

fn micros(ns: Option<f64>) -> String {
    ns.map_or_else(|| "—".to_owned(), |ns| format!("{:.1} µs", ns / 1000.0))
}

fn per_second(ns: Option<f64>) -> String {
    ns.map_or_else(|| "—".to_owned(), |ns| format!("{:.0}", 1e9 / ns))
}

fn mib_per_s(ns: Option<f64>) -> String {
    ns.map_or_else(
        || "—".to_owned(),
        |ns| format!("{:.0}", RECORD_BYTES / ns * 1e9 / (1024.0 * 1024.0)),
    )
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl BenchReport {
    fn mean(&self, group: &str, id: &str) -> Option<f64> {
        self.results
            .iter()
            .find(|e| e.group == group && e.id == id)
            .map(|e| e.mean_ns)
    }

    fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| {
                c.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
            .unwrap_or_else(|| "unknown".to_owned());
        let rustc = command_output("rustc", &["-V"]).unwrap_or_else(|| "rustc ?".to_owned());
        let peers = self
            .versions
            .first()
            .map(|v| v.join(", "))
            .unwrap_or_else(|| "unknown".to_owned());

        let _ = writeln!(s, "# Q-SSL benchmarks\n");
        let _ = writeln!(
            s,
            "Generated by `cargo xtask bench{}` — do not edit above the notes marker; \
             rerun instead. Q-SSL, rustls and OpenSSL were measured side by side in \
             one run on one machine; compare the **ratios**, not the absolute times \
             (they drift on a shared machine). A time ratio above 1 means Q-SSL is \
             slower; a throughput ratio below 1 means Q-SSL is slower.\n",
            if self.quick { " --quick" } else { "" }
        );
        let _ = writeln!(s, "- Date: {date}");
        let _ = writeln!(s, "- Machine: {cores} CPUs (`nproc`), {cpu}");
        let _ = writeln!(
            s,
            "- Load average (1/5/15 min) before: {}, after: {}",
            self.load_before, self.load_after
        );
        let _ = writeln!(s, "- Toolchain: {rustc}; peers: {peers}");
        let _ = writeln!(
            s,
            "- Mode: {}",
            if self.quick {
                "`--quick` (criterion warm-up 0.5 s, measurement 2 s, 10 samples): indicative"
            } else {
                "full (each bench's own criterion settings)"
            }
        );
        let _ = writeln!(s, "- Commands:");
        for c in &self.commands {
            let _ = writeln!(s, "  - `{c}`");
        }

        let _ = writeln!(
            s,
            "\n## Full handshakes (client + server in one thread, memory transport)\n"
        );
        let _ = writeln!(
            s,
            "One iteration = a fresh client and server, full TLS 1.3 handshake, both \
             sides done (`qssl-interop/benches/handshake.rs`). Resumption off in every \
             stack, so each iteration is a full handshake; resumed handshakes are the \
             next table.\n"
        );
        let _ = writeln!(
            s,
            "| configuration | Q-SSL | rustls | OpenSSL | Q-SSL/s | rustls/s | OpenSSL/s | time Q-SSL ÷ rustls | time Q-SSL ÷ OpenSSL |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, label) in HANDSHAKE_SETUPS {
            let g = format!("handshake-{name}");
            let (q, r, o) = (
                self.mean(&g, "qssl"),
                self.mean(&g, "rustls"),
                self.mean(&g, "openssl"),
            );
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {} | {} | {} | {} | **{}** | **{}** |",
                micros(q),
                micros(r),
                micros(o),
                per_second(q),
                per_second(r),
                per_second(o),
                ratio(q, r),
                ratio(q, o)
            );
        }

        let _ = writeln!(
            s,
            "\n## Full vs resumed handshakes (seed §7.1: \"abbreviated ... 4.7× faster\")\n"
        );
        let _ = writeln!(
            s,
            "One iteration = a fresh client and server from shared configurations, \
             the handshake to the end, the server's two NewSessionTickets read by the \
             client (`qssl-interop/benches/resumption.rs`). Full: resumption off. \
             Resumed: each stack's own resumption (Q-SSL's default, psk_dhe_ke over \
             the same hybrid group; rustls's in-memory store and aws-lc-rs ticketer). \
             The seed's 4.7× (70 ms → 15 ms) counted TLS 1.2 round trips; both TLS 1.3 \
             handshakes take one round trip, so here the saving is the certificate \
             chain, its verification and the CertificateVerify signature.\n"
        );
        let _ = writeln!(
            s,
            "| configuration | Q-SSL full | Q-SSL resumed | full ÷ resumed (Q-SSL) | rustls full | rustls resumed | full ÷ resumed (rustls) | resumed: Q-SSL ÷ rustls | seed |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, label) in HANDSHAKE_SETUPS {
            let g = format!("resumption-{name}");
            let (qf, qr, rf, rr) = (
                self.mean(&g, "qssl-full"),
                self.mean(&g, "qssl-resumed"),
                self.mean(&g, "rustls-full"),
                self.mean(&g, "rustls-resumed"),
            );
            if qf.is_none() && rf.is_none() {
                continue;
            }
            let _ = writeln!(
                s,
                "| {label} | {} | {} | **{}** | {} | {} | {} | {} | 4.7 |",
                micros(qf),
                micros(qr),
                ratio(qf, qr),
                micros(rf),
                micros(rr),
                ratio(rf, rr),
                ratio(qr, rr)
            );
        }

        let _ = writeln!(s, "\n## Wire bytes of one full handshake\n");
        let _ = writeln!(
            s,
            "Counted by the memory transport: every byte each side wrote, records \
             and headers included, no session tickets (every stack told to send none). \
             Server chain: leaf + intermediate.\n"
        );
        let _ = writeln!(
            s,
            "| configuration | stack | client → server | server → client | total | total ÷ rustls |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
        for (name, label) in HANDSHAKE_SETUPS {
            let total = |stack: &str| -> Option<f64> {
                self.wire
                    .iter()
                    .find(|r| r.len() == 4 && r[0] == name && r[1] == stack)
                    .and_then(|r| Some(r[2].parse::<f64>().ok()? + r[3].parse::<f64>().ok()?))
            };
            for stack in ["qssl", "rustls", "openssl"] {
                let Some(row) = self
                    .wire
                    .iter()
                    .find(|r| r.len() == 4 && r[0] == name && r[1] == stack)
                else {
                    continue;
                };
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} | {} | {} | {} |",
                    stack_label(stack),
                    row[2],
                    row[3],
                    total(stack).map_or_else(String::new, |t| format!("{t:.0}")),
                    ratio(total(stack), total("rustls"))
                );
            }
        }

        let _ = writeln!(s, "\n## Bulk throughput, 16 KiB records\n");
        let _ = writeln!(
            s,
            "One iteration = one 16 KiB application-data record written by the \
             client, moved through memory, read by the server (`benches/bulk.rs`). \
             `AEAD` columns: seal + open in place of the same 16 KiB with the raw \
             AEAD alone — Q-SSL's backend (RustCrypto, `qssl_crypto::aead`) and \
             rustls's (aws-lc-rs). MiB/s counts the 16 KiB once.\n"
        );
        let _ = writeln!(
            s,
            "| suite | Q-SSL MiB/s | rustls MiB/s | OpenSSL MiB/s | Q-SSL AEAD MiB/s | aws-lc AEAD MiB/s | throughput Q-SSL ÷ rustls | Q-SSL ÷ OpenSSL | record layer cost (time Q-SSL ÷ its AEAD) | backend (Q-SSL AEAD ÷ aws-lc AEAD throughput) |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, label) in BULK_SUITES {
            let g = format!("bulk-{name}");
            let m = |id: &str| self.mean(&g, id);
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {} | {} | {} | **{}** | **{}** | {} | {} |",
                mib_per_s(m("qssl")),
                mib_per_s(m("rustls")),
                mib_per_s(m("openssl")),
                mib_per_s(m("qssl-aead")),
                mib_per_s(m("aws-lc-aead")),
                ratio(m("rustls"), m("qssl")),
                ratio(m("openssl"), m("qssl")),
                ratio(m("qssl"), m("qssl-aead")),
                ratio(m("aws-lc-aead"), m("qssl-aead")),
            );
        }

        let _ = writeln!(s, "\n## Memory per idle established connection\n");
        let _ = writeln!(
            s,
            "Live Rust-heap bytes per connection, 100 established pairs held at once \
             (X25519MLKEM768 + ECDSA P-384, handshake done, transport dropped), \
             counted by `dhat`'s allocator (`benches/memory.rs`). C allocations are \
             invisible to it: rustls's figure leaves out what aws-lc mallocs itself, \
             and OpenSSL (all C) cannot be measured this way.\n"
        );
        if self.memory.is_empty() {
            let _ = writeln!(s, "Not measured in this run (no `memory.tsv`).\n");
        }
        let _ = writeln!(
            s,
            "| stack | client | server | Q-SSL ÷ rustls (client) | Q-SSL ÷ rustls (server) |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        let mem = |stack: &str, col: usize| -> Option<f64> {
            self.memory
                .iter()
                .find(|r| r.len() == 3 && r[0] == stack)
                .and_then(|r| r[col].parse().ok())
        };
        for stack in ["qssl", "rustls"] {
            if mem(stack, 1).is_none() {
                continue;
            }
            let _ = writeln!(
                s,
                "| {} | {} B | {} B | {} | {} |",
                stack_label(stack),
                mem(stack, 1).map_or(0.0, |v| v),
                mem(stack, 2).map_or(0.0, |v| v),
                ratio(mem(stack, 1), mem("rustls", 1)),
                ratio(mem(stack, 2), mem("rustls", 2)),
            );
        }

        self.render_primitives(&mut s);
        s
    }

    /// The crate benches that explain the tables above, if they ran.
    fn render_primitives(&self, s: &mut String) {
        use std::fmt::Write as _;
        let kx: Vec<&Estimate> = self
            .results
            .iter()
            .filter(|e| e.group == "kx_full_exchange")
            .collect();
        let signers: Vec<&str> = {
            let mut g: Vec<&str> = self
                .results
                .iter()
                .filter(|e| e.id == "aws-lc-rs sign")
                .map(|e| e.group.as_str())
                .collect();
            g.dedup();
            g
        };
        let records: Vec<&str> = {
            let mut g: Vec<&str> = self
                .results
                .iter()
                .filter(|e| e.id == "raw_seal_open")
                .map(|e| e.group.as_str())
                .collect();
            g.dedup();
            g
        };
        if kx.is_empty() && signers.is_empty() && records.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n## Primitives (crate benches, same run)\n");
        if !kx.is_empty() {
            let _ = writeln!(
                s,
                "Key exchange, one full client + server exchange (`qssl-crypto/benches/kx.rs`):\n"
            );
            let _ = writeln!(s, "| implementation / group | time |");
            let _ = writeln!(s, "|---|---:|");
            for e in kx {
                let _ = writeln!(s, "| {} | {} |", e.id, micros(Some(e.mean_ns)));
            }
        }
        if !signers.is_empty() {
            let _ = writeln!(
                s,
                "\nSignatures (`qssl-crypto/benches/sign.rs`), Q-SSL's backend against aws-lc-rs:\n"
            );
            let _ = writeln!(
                s,
                "| scheme | Q-SSL sign | aws-lc sign | sign ratio | Q-SSL verify | aws-lc verify | verify ratio |"
            );
            let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|");
            for g in signers {
                let m = |id: &str| self.mean(g, id);
                let _ = writeln!(
                    s,
                    "| {g} | {} | {} | {} | {} | {} | {} |",
                    micros(m("qssl sign")),
                    micros(m("aws-lc-rs sign")),
                    ratio(m("qssl sign"), m("aws-lc-rs sign")),
                    micros(m("qssl verify")),
                    micros(m("aws-lc-rs verify")),
                    ratio(m("qssl verify"), m("aws-lc-rs verify")),
                );
            }
        }
        if !records.is_empty() {
            let _ = writeln!(
                s,
                "\nRecord protection alone, 16 KiB (`qssl-record/benches/record.rs`): \
                 `Protector` seal + open against the raw AEAD seal + open:\n"
            );
            let _ = writeln!(s, "| AEAD / framing | record | raw AEAD | ratio |");
            let _ = writeln!(s, "|---|---:|---:|---:|");
            for g in records {
                let m = |id: &str| self.mean(g, id);
                let _ = writeln!(
                    s,
                    "| {g} | {} | {} | {} |",
                    micros(m("seal_open")),
                    micros(m("raw_seal_open")),
                    ratio(m("seal_open"), m("raw_seal_open")),
                );
            }
        }
    }
}

fn stack_label(stack: &str) -> &str {
    match stack {
        "qssl" => "Q-SSL",
        "rustls" => "rustls",
        "openssl" => "OpenSSL",
        other => other,
    }
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
         Resumption and 0-RTT are tested outside the matrix, against the same peers and\n\
         OpenSSL's `s_client`: `qssl-interop/tests/resumption.rs` and `tests/early_data.rs`.\n\n\
         Not covered: OpenSSL initiating KeyUpdate (the `openssl` crate binds no\n\
         `SSL_key_update`), TLS 1.2.\n\n",
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

/// Seconds each fuzz target runs in `cargo xtask test`: enough to load the corpus and
/// mutate it a while (a smoke test, not a fuzzing campaign).
const FUZZ_SMOKE_SECONDS: u64 = 5;

/// Per-input time limit: a single input that takes longer is a hang (libFuzzer
/// reports it as a timeout, which fails the run).
const FUZZ_UNIT_TIMEOUT_SECONDS: u64 = 25;

fn fuzz_dir() -> PathBuf {
    workspace_root().join("fuzz")
}

/// The fuzz targets: `fuzz/fuzz_targets/*.rs`, by name.
fn fuzz_targets() -> Result<Vec<String>, String> {
    let dir = fuzz_dir().join("fuzz_targets");
    let mut targets: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    targets.sort();
    Ok(targets)
}

/// A `cargo` command for the fuzz crate: run in `fuzz/`, nightly features allowed on
/// the stable toolchain (cargo-fuzz passes `-Z` flags), and its own target directory
/// (sanitizer flags: sharing the workspace's would rebuild everything both ways).
fn fuzz_command(cargo: &str) -> Command {
    let mut c = Command::new(cargo);
    c.current_dir(fuzz_dir())
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", fuzz_dir().join("target"));
    c
}

fn cargo_fuzz_installed(cargo: &str) -> bool {
    fuzz_command(cargo)
        .args(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs cargo-fuzz if `cargo fuzz` does not run yet.
fn ensure_cargo_fuzz(cargo: &str) -> Result<(), String> {
    if cargo_fuzz_installed(cargo) {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; $ cargo install cargo-fuzz --locked");
    let status = Command::new(cargo)
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if status.success() && cargo_fuzz_installed(cargo) {
        Ok(())
    } else {
        Err(format!(
            "`cargo install cargo-fuzz --locked` failed ({status})"
        ))
    }
}

/// `cargo fuzz build`: every target, with AddressSanitizer, release + debug assertions.
fn build_fuzz_targets(cargo: &str) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: $ cargo fuzz build   (in fuzz/, RUSTC_BOOTSTRAP=1)");
    let status = fuzz_command(cargo)
        .args(["fuzz", "build"])
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    eprintln!(
        "xtask: cargo fuzz build finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo fuzz build` failed ({status})"))
    }
}

fn host_triple() -> Result<String, String> {
    let out = command_output("rustc", &["-vV"]).ok_or("`rustc -vV` failed")?;
    out.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "no host triple in `rustc -vV`".to_owned())
}

/// What one target's run did.
struct FuzzRun {
    target: String,
    seconds: f64,
    /// CPU time the fuzzer used (Linux: from /proc), which a loaded machine makes
    /// smaller than the wall-clock `seconds`.
    cpu_seconds: Option<f64>,
    executions: Option<u64>,
    ok: bool,
    log: PathBuf,
}

/// Runs the built `target` for `seconds` on a fresh copy of its committed corpus (the
/// repository is never written: new inputs and crash artifacts go under
/// `fuzz/target/xtask/`).
fn run_fuzz_target(bin_dir: &Path, target: &str, seconds: u64) -> Result<FuzzRun, String> {
    let scratch = fuzz_dir().join("target").join("xtask");
    let corpus = scratch.join("corpus").join(target);
    let artifacts = scratch.join("artifacts").join(target);
    let log = scratch.join(format!("{target}.log"));
    if corpus.exists() {
        std::fs::remove_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    }
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
    let seeds = fuzz_dir().join("corpus").join(target);
    if let Ok(entries) = std::fs::read_dir(&seeds) {
        for entry in entries.flatten() {
            std::fs::copy(entry.path(), corpus.join(entry.file_name()))
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut prefix = artifacts.into_os_string();
    prefix.push("/");
    let mut artifact_arg = std::ffi::OsString::from("-artifact_prefix=");
    artifact_arg.push(prefix);
    let started = Instant::now();
    let cpu_before = children_cpu_seconds();
    eprintln!("xtask: fuzzing {target} for {seconds}s");
    let status = Command::new(bin_dir.join(target))
        .arg(&corpus)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={FUZZ_UNIT_TIMEOUT_SECONDS}"))
        .arg(artifact_arg)
        .arg("-print_final_stats=1")
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .status()
        .map_err(|e| format!("could not run the {target} fuzz target: {e}"))?;
    let cpu_seconds = children_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    // From -print_final_stats, written on a crash too: "stat::number_of_executed_units: 12345".
    let executions = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok());
    Ok(FuzzRun {
        target: target.to_owned(),
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds,
        executions,
        ok: status.success(),
        log,
    })
}

/// Builds and runs `targets` (all when empty) for `seconds` each; a table of what ran,
/// then an error naming every target that crashed.
fn fuzz_targets_for(targets: &[String], seconds: u64) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    ensure_cargo_fuzz(&cargo)?;
    let all = fuzz_targets()?;
    for t in targets {
        if !all.contains(t) {
            return Err(format!("no fuzz target `{t}`; targets: {}", all.join(", ")));
        }
    }
    let targets = if targets.is_empty() {
        &all[..]
    } else {
        targets
    };
    build_fuzz_targets(&cargo)?;
    let bin_dir = fuzz_dir()
        .join("target")
        .join(host_triple()?)
        .join("release");
    let mut runs = Vec::new();
    for t in targets {
        runs.push(run_fuzz_target(&bin_dir, t, seconds)?);
    }
    eprintln!("xtask: target, seconds, CPU seconds, executions, result");
    for r in &runs {
        eprintln!(
            "xtask:   {:<20} {:>7.1} {:>7} {:>12} {}",
            r.target,
            r.seconds,
            r.cpu_seconds
                .map_or_else(|| "?".to_owned(), |c| format!("{c:.1}")),
            r.executions
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            if r.ok { "ok" } else { "FAILED" }
        );
    }
    let failed: Vec<&FuzzRun> = runs.iter().filter(|r| !r.ok).collect();
    for r in &failed {
        let text = std::fs::read_to_string(&r.log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        eprintln!("xtask: --- {} ({}) ---", r.target, r.log.display());
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets failed: {} (inputs under fuzz/target/xtask/artifacts/)",
            failed
                .iter()
                .map(|r| r.target.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// User + system CPU time of this process's finished children (`cutime` + `cstime`
/// of /proc/self/stat, in clock ticks of 1/100 s, the Linux default); `None` elsewhere.
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3 (state).
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(13)? + ticks(14)?) / 100.0)
}

/// `cargo xtask fuzz [--seconds N] [TARGET]`.
fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("fuzz: --seconds takes a positive number")?;
            }
            other if other.starts_with('-') => {
                return Err(format!("fuzz: unknown option `{other}`"));
            }
            target => targets.push(target.to_owned()),
        }
    }
    fuzz_targets_for(&targets, seconds)
}

/// The fuzz step of `cargo xtask test`. Without cargo-fuzz (no network to install it)
/// it says so loudly and fails in CI (`CI=true`) only: a developer offline can still
/// run the rest.
fn fuzz_smoke() -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    if let Err(e) = ensure_cargo_fuzz(&cargo) {
        let in_ci = env::var("CI").is_ok_and(|v| v == "true");
        eprintln!("xtask: ************************************************************");
        eprintln!("xtask: FUZZ SMOKE RUN NOT DONE: cargo-fuzz is unavailable: {e}");
        eprintln!("xtask: ************************************************************");
        return if in_ci {
            Err("the fuzz smoke run could not run (CI=true)".to_owned())
        } else {
            Ok(())
        };
    }
    fuzz_targets_for(&[], FUZZ_SMOKE_SECONDS)
}
