//! `qssl server` and `qssl client` with `--key 'pkcs11:…'`: keys on a throwaway
//! SoftHSM2 token (imported with `softhsm2-util`, the PEM files then deleted), the
//! PIN from `QSSL_PKCS11_PIN`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Run, TempDir, qssl, run_bounded};

const LIMIT: Duration = Duration::from_secs(60);
const PIN: &str = "1234";

fn softhsm_module() -> Option<PathBuf> {
    let found = [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/pkcs11/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
        assert!(
            !ci,
            "libsofthsm2.so not found and CI is set: install softhsm2"
        );
        eprintln!("SKIPPED: libsofthsm2.so not found (apt-get install -y softhsm2)");
    }
    found
}

fn util(conf: &Path, args: &[&str]) {
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "softhsm2-util {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_qssl(dir: &Path, conf: &Path, pin: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = qssl();
    cmd.current_dir(dir)
        .env("SOFTHSM2_CONF", conf)
        .env_remove("QSSL_PKCS11_PIN")
        .args(args);
    if let Some(pin) = pin {
        cmd.env("QSSL_PKCS11_PIN", pin);
    }
    run_bounded(&mut cmd, LIMIT)
}

#[test]
fn server_and_client_sign_on_the_token() {
    let Some(module) = softhsm_module() else {
        return;
    };
    let module = module.to_str().unwrap();
    let dir = TempDir::new("pkcs11");
    for (name, alg) in [("srv", "ecdsa-p384"), ("cli", "ecdsa-p256")] {
        let run = run_bounded(
            qssl()
                .current_dir(dir.path())
                .args(["cert", "--out", name, "--alg", alg]),
            LIMIT,
        );
        assert!(run.status.success(), "{run:?}");
    }
    let tokens = dir.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    util(
        &conf,
        &[
            "--init-token",
            "--free",
            "--label",
            "qssl-cli",
            "--pin",
            PIN,
            "--so-pin",
            "12345678",
        ],
    );
    for (name, label, id) in [("srv", "server", "01"), ("cli", "client", "02")] {
        let key = dir.path().join(name).join("key.pem");
        util(
            &conf,
            &[
                "--import",
                key.to_str().unwrap(),
                "--token",
                "qssl-cli",
                "--label",
                label,
                "--id",
                id,
                "--pin",
                PIN,
            ],
        );
        // From here on the keys exist only on the token.
        std::fs::remove_file(&key).unwrap();
    }

    let server_key = "pkcs11:token=qssl-cli;object=server;type=private";
    let mut server = qssl()
        .current_dir(dir.path())
        .env("SOFTHSM2_CONF", &conf)
        .env("QSSL_PKCS11_PIN", PIN)
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "srv/chain.pem",
        ])
        .args(["--key", server_key, "--pkcs11-module", module])
        .args(["--client-ca", "cli/ca.pem"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // Keep draining: the server logs a line per connection and must not hit a
    // closed pipe.
    std::thread::spawn(move || for _ in stdout.lines().map_while(Result::ok) {});
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();

    let run = run_qssl(
        dir.path(),
        &conf,
        Some(PIN),
        &[
            "client",
            &addr,
            "--ca",
            "srv/ca.pem",
            "--server-name",
            "localhost",
            "--cert",
            "cli/chain.pem",
            "--key",
            "pkcs11:token=qssl-cli;id=%02",
            "--pkcs11-module",
            module,
            "--send",
            "from the token",
        ],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(run.status.success(), "{run:?}");
    // The client verified the server's CertificateVerify (P-384, signed on the
    // token) and the server accepted the client's (P-256, also on the token).
    assert!(
        run.stdout.contains("signature: ecdsa_secp384r1_sha384\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("client-signature: ecdsa_secp256r1_sha256"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("from the token"), "{}", run.stdout);

    // Each setup failure is one line naming the cause.
    let server_args = |key: &'static str| {
        vec![
            "server",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "srv/chain.pem",
            "--key",
            key,
            "--pkcs11-module",
            module,
        ]
    };
    let run = run_qssl(dir.path(), &conf, Some("0000"), &server_args(server_key));
    let line = run.one_error_line();
    assert!(line.contains("wrong PIN"), "{line}");
    let run = run_qssl(dir.path(), &conf, None, &server_args(server_key));
    let line = run.one_error_line();
    assert!(line.contains("QSSL_PKCS11_PIN"), "{line}");
    // The client's key with the server's certificate.
    let run = run_qssl(
        dir.path(),
        &conf,
        Some(PIN),
        &server_args("pkcs11:token=qssl-cli;object=client"),
    );
    let line = run.one_error_line();
    assert!(line.contains("does not match the certificate"), "{line}");
    let run = run_qssl(
        dir.path(),
        &conf,
        Some(PIN),
        &server_args("pkcs11:token=qssl-cli;object=absent"),
    );
    let line = run.one_error_line();
    assert!(line.contains("no private key"), "{line}");

    // `qssl speed` times signatures through the token beside the same algorithm in
    // software.
    let run = run_qssl(
        dir.path(),
        &conf,
        Some(PIN),
        &[
            "speed",
            "--key",
            server_key,
            "--cert",
            "srv/chain.pem",
            "--pkcs11-module",
            module,
            "--seconds",
            "0.05",
        ],
    );
    assert!(run.status.success(), "{run:?}");
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ecdsa_secp384r1_sha384 ("))
        .collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert!(
        rows[0].contains("(token)") && rows[0].contains(" sign "),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("(software)") && rows[1].contains(" sign "),
        "{}",
        rows[1]
    );
}
