//! Heap bytes per idle established connection, Q-SSL against rustls, counted
//! by `dhat`'s global allocator (safe to install: no `unsafe` here).
//!
//! For each stack: build the configurations and run one warm-up handshake (so
//! that lazily made statics are not charged to the connections), then hold
//! [`PAIRS`] established client/server pairs — handshake done, every byte
//! delivered, the in-memory transport dropped — and read the live heap bytes
//! before and after; dropping the servers first splits the figure into client
//! and server. X25519MLKEM768 with an ECDSA P-384 chain, default suites.
//!
//! What `dhat` sees is the Rust heap: memory that C code allocates with
//! `malloc` directly (aws-lc inside rustls, all of OpenSSL) is not counted,
//! which is why OpenSSL is not in this table. Q-SSL is pure Rust, so its figure
//! is complete.
//!
//! Not a criterion bench: a plain `main` (`harness = false`) that ignores its
//! arguments, prints `memory` lines and appends them to
//! `$QSSL_BENCH_OUT/memory.tsv`.

mod common;

use qssl_interop::{KeyAlgorithm, NamedGroup};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Established pairs held at once.
const PAIRS: usize = 100;

fn live_bytes() -> u64 {
    dhat::HeapStats::get().curr_bytes as u64
}

/// Live heap bytes per client and per server connection, for pairs made and
/// completed by `establish`.
fn measure<C, S>(mut establish: impl FnMut() -> (C, S)) -> (u64, u64) {
    drop(establish());
    let mut clients = Vec::with_capacity(PAIRS);
    let mut servers = Vec::with_capacity(PAIRS);
    let before = live_bytes();
    for _ in 0..PAIRS {
        let (c, s) = establish();
        clients.push(c);
        servers.push(s);
    }
    let with_both = live_bytes();
    servers.clear();
    let with_clients = live_bytes();
    clients.clear();
    let n = PAIRS as u64;
    (
        with_clients.saturating_sub(before) / n,
        with_both.saturating_sub(with_clients) / n,
    )
}

fn report(stack: &str, (client, server): (u64, u64)) {
    println!("memory {stack}: client {client} B, server {server} B per idle connection");
    common::record_result("memory.tsv", &format!("{stack}\t{client}\t{server}"));
}

fn main() {
    // Command-line arguments (`--bench`, criterion's options from `xtask bench`,
    // name filters) are ignored: this bench always runs, in a few seconds.
    // Testing mode: statistics only, no profile file written.
    let _profiler = dhat::Profiler::builder().testing().build();

    let pki = common::pki(KeyAlgorithm::EcdsaP384);
    let group = NamedGroup::X25519MLKEM768;

    let q = common::qssl_configs(&pki, group, None);
    report(
        "qssl",
        measure(|| {
            let (mut c, mut s) = common::qssl_pair(&q);
            let (mut ce, mut se) = common::duplex();
            {
                let (cc, sc): (&mut qssl::ConnectionCommon, &mut qssl::ConnectionCommon) =
                    (&mut c, &mut s);
                common::handshake(cc, &mut ce, sc, &mut se);
            }
            (c, s)
        }),
    );

    let r = common::rustls_configs(&pki, group, None);
    report(
        "rustls",
        measure(|| {
            let (mut c, mut s) = common::rustls_pair(&r);
            let (mut ce, mut se) = common::duplex();
            common::handshake(&mut *c, &mut ce, &mut *s, &mut se);
            (c, s)
        }),
    );
}
