//! Full TLS 1.3 handshakes, Q-SSL against rustls (aws-lc-rs) and OpenSSL, in one
//! run: client and server in one thread over the in-memory duplex of
//! `common` (the same for all three stacks), for each configuration of
//! DESIGN.md "Performance". One iteration makes a fresh client and server from
//! shared configurations and runs the handshake until both sides are done and
//! nothing is left to send: it costs one client *and* one server handshake.
//!
//! Before measuring, one handshake per stack and configuration checks the
//! negotiated group (Q-SSL, rustls) and counts the bytes each way: printed as
//! `wire-bytes` lines and appended to `$QSSL_BENCH_OUT/wire.tsv`.
//!
//! `cargo bench -p qssl-interop --bench handshake`, or `cargo xtask bench`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{HANDSHAKES, SansIo, Setup};
use criterion::{Criterion, criterion_group, criterion_main};

fn wire_bytes(setup: &Setup, stack: &str, c2s: u64, s2c: u64) {
    println!(
        "wire-bytes {} {stack}: client->server {c2s}, server->client {s2c}",
        setup.name
    );
    common::record_result(
        "wire.tsv",
        &format!("{}\t{stack}\t{c2s}\t{s2c}", setup.name),
    );
}

fn qssl_once(
    configs: &(
        std::sync::Arc<qssl::ClientConfig>,
        std::sync::Arc<qssl::ServerConfig>,
    ),
) -> (
    qssl::ClientConnection,
    qssl::ServerConnection,
    common::End,
    common::End,
) {
    let (mut c, mut s) = common::qssl_pair(configs);
    let (mut ce, mut se) = common::duplex();
    let (cc, sc): (&mut qssl::ConnectionCommon, &mut qssl::ConnectionCommon) = (&mut c, &mut s);
    common::handshake(cc, &mut ce, sc, &mut se);
    (c, s, ce, se)
}

fn rustls_once(
    configs: &(
        std::sync::Arc<rustls::ClientConfig>,
        std::sync::Arc<rustls::ServerConfig>,
    ),
) -> (
    rustls::ClientConnection,
    rustls::ServerConnection,
    common::End,
    common::End,
) {
    let (mut c, mut s) = common::rustls_pair(configs);
    let (mut ce, mut se) = common::duplex();
    common::handshake(&mut *c, &mut ce, &mut *s, &mut se);
    (c, s, ce, se)
}

fn bench(c: &mut Criterion) {
    println!(
        "versions: Q-SSL {}, {}, {}",
        env!("CARGO_PKG_VERSION"),
        qssl_interop::RUSTLS_VERSION,
        qssl_interop::openssl_version()
    );
    common::record_result(
        "versions.tsv",
        &format!(
            "{}\t{}",
            qssl_interop::RUSTLS_VERSION,
            qssl_interop::openssl_version()
        ),
    );
    for setup in HANDSHAKES {
        let pki = common::pki(setup.cert);
        let mut g = c.benchmark_group(format!("handshake-{}", setup.name));

        let q = common::qssl_configs(&pki, setup.group, None);
        let (qc, qs, ce, se) = qssl_once(&q);
        let (qc, qs): (&qssl::ConnectionCommon, &qssl::ConnectionCommon) = (&qc, &qs);
        assert_eq!(SansIo::group(qc), Some(setup.group));
        assert_eq!(SansIo::group(qs), Some(setup.group));
        wire_bytes(&setup, "qssl", ce.written(), se.written());
        g.bench_function("qssl", |b| b.iter(|| black_box(qssl_once(&q))));

        let r = common::rustls_configs(&pki, setup.group, None);
        let (rc, rs, ce, se) = rustls_once(&r);
        assert_eq!(SansIo::group(&*rc), Some(setup.group));
        assert_eq!(SansIo::group(&*rs), Some(setup.group));
        wire_bytes(&setup, "rustls", ce.written(), se.written());
        g.bench_function("rustls", |b| b.iter(|| black_box(rustls_once(&r))));

        let o = common::openssl_contexts(&pki, setup.group, None);
        let (mut oc, mut os) = common::openssl_pair(&o);
        common::openssl_handshake(&mut oc, &mut os);
        wire_bytes(
            &setup,
            "openssl",
            oc.get_ref().written(),
            os.get_ref().written(),
        );
        g.bench_function("openssl", |b| {
            b.iter(|| {
                let (mut oc, mut os) = common::openssl_pair(&o);
                common::openssl_handshake(&mut oc, &mut os);
                black_box((oc, os))
            })
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
