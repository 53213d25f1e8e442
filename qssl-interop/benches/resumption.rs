//! Full and resumed TLS 1.3 handshakes side by side, Q-SSL against rustls
//! (aws-lc-rs), in one run: client and server in one thread over the in-memory
//! duplex of `common`, as in the `handshake` bench. Seed §7.1 claims resumption is
//! 4.7× faster than a full handshake; this measures the ratio for each stack.
//!
//! - `full`: resumption off on both sides (every handshake a full one).
//! - `resumed`: resumption on, as each stack ships it (Q-SSL's default; rustls's
//!   in-memory client store and recommended ticketer). The configurations are
//!   primed with one full handshake; each resumed iteration consumes a ticket and
//!   receives the server's two new ones (reading them is part of the cost, as it
//!   is for a real client), so the store never runs dry. Before measuring, one
//!   resumed handshake per stack checks that it did resume, and keeps the group.
//!
//! OpenSSL is not here: its client resumes only through `SSL_set_session`, which the
//! `openssl` crate marks unsafe.
//!
//! `cargo bench -p qssl-interop --bench resumption`, or `cargo xtask bench`.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use common::{HANDSHAKES, SansIo, Setup};
use criterion::{Criterion, criterion_group, criterion_main};

type QsslConfigs = (Arc<qssl::ClientConfig>, Arc<qssl::ServerConfig>);
type RustlsConfigs = (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>);

/// One Q-SSL handshake to the end (the server's tickets read by the client);
/// whether it resumed.
fn qssl_once(configs: &QsslConfigs) -> bool {
    let (mut c, mut s) = common::qssl_pair(configs);
    let (mut ce, mut se) = common::duplex();
    let (cc, sc): (&mut qssl::ConnectionCommon, &mut qssl::ConnectionCommon) = (&mut c, &mut s);
    common::handshake(cc, &mut ce, sc, &mut se);
    c.connection_info().is_some_and(|i| i.resumed)
}

/// One rustls handshake to the end; whether it resumed.
fn rustls_once(configs: &RustlsConfigs) -> bool {
    let (mut c, mut s) = common::rustls_pair(configs);
    let (mut ce, mut se) = common::duplex();
    common::handshake(&mut *c, &mut ce, &mut *s, &mut se);
    assert!(SansIo::group(&*c).is_some());
    c.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}

/// The two configurations the seed's claim is about: a hybrid key exchange with
/// an ML-DSA-65 and with an ECDSA P-384 certificate.
fn setups() -> impl Iterator<Item = Setup> {
    HANDSHAKES
        .into_iter()
        .filter(|s| s.group == qssl::NamedGroup::X25519MLKEM768)
}

fn bench(c: &mut Criterion) {
    for setup in setups() {
        let pki = common::pki(setup.cert);
        let mut g = c.benchmark_group(format!("resumption-{}", setup.name));

        let full = common::qssl_configs_with(&pki, setup.group, None, false);
        assert!(!qssl_once(&full));
        g.bench_function("qssl-full", |b| b.iter(|| black_box(qssl_once(&full))));
        let resuming = common::qssl_configs_with(&pki, setup.group, None, true);
        assert!(!qssl_once(&resuming), "the priming handshake is a full one");
        assert!(qssl_once(&resuming), "Q-SSL resumes");
        g.bench_function("qssl-resumed", |b| {
            b.iter(|| assert!(black_box(qssl_once(&resuming))))
        });

        let full = common::rustls_configs_with(&pki, setup.group, None, false);
        assert!(!rustls_once(&full));
        g.bench_function("rustls-full", |b| b.iter(|| black_box(rustls_once(&full))));
        let resuming = common::rustls_configs_with(&pki, setup.group, None, true);
        assert!(
            !rustls_once(&resuming),
            "the priming handshake is a full one"
        );
        assert!(rustls_once(&resuming), "rustls resumes");
        g.bench_function("rustls-resumed", |b| {
            b.iter(|| assert!(black_box(rustls_once(&resuming))))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    // `cargo xtask bench --quick` shortens these from the command line.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
