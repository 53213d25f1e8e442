//! The plaintext path through the facade: bytes written on one side in chunks of any
//! size come out on the other, in order and whole, whatever the sizes of the
//! transport's reads (`read_tls`) and the application's reads (`reader()`), and
//! however the two interleave.

mod common;

use std::io::{self, Read, Write};

use common::*;
use proptest::prelude::*;
use qssl::ConnectionCommon;
use qssl_crypto::sign::KeyAlgorithm;

/// A transport that hands out at most `limit` bytes per read from `wire[*pos..]`.
struct Trickle<'a> {
    wire: &'a [u8],
    pos: &'a mut usize,
    limit: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.limit).min(self.wire.len() - *self.pos);
        buf[..n].copy_from_slice(&self.wire[*self.pos..*self.pos + n]);
        *self.pos += n;
        Ok(n)
    }
}

/// Reads what `to` has, `read_sizes` bytes at a time (cycled), into `out`.
fn drain(
    to: &mut ConnectionCommon,
    read_sizes: &mut impl Iterator<Item = usize>,
    out: &mut Vec<u8>,
) {
    loop {
        let mut buf = vec![0u8; read_sizes.next().unwrap_or(1)];
        match to.reader().read(&mut buf) {
            Ok(0) => return,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Sends `chunks` from `from` to `to`: every chunk written, its records delivered in
/// pieces of `wire_sizes`, each piece processed and then part of the plaintext read
/// in `read_sizes` (so reads interleave with records arriving). Returns what `to` read.
fn send(
    from: &mut ConnectionCommon,
    to: &mut ConnectionCommon,
    chunks: &[Vec<u8>],
    wire_sizes: &[usize],
    read_sizes: &[usize],
) -> Vec<u8> {
    let mut wire_sizes = wire_sizes.iter().copied().cycle();
    let mut read_sizes = read_sizes.iter().copied().cycle();
    let mut out = Vec::new();
    for chunk in chunks {
        from.writer().write_all(chunk).unwrap();
        let mut wire = Vec::new();
        while from.wants_write() {
            from.write_tls(&mut wire).unwrap();
        }
        let mut pos = 0;
        while pos < wire.len() {
            let limit = wire_sizes.next().unwrap_or(wire.len());
            let mut t = Trickle {
                wire: &wire,
                pos: &mut pos,
                limit,
            };
            // Every piece is taken: the unread plaintext stays far below its bound
            // and each piece's records are processed before the next one.
            assert!(to.read_tls(&mut t).unwrap() > 0);
            to.process_new_packets().unwrap();
            // Read only part of what is there: the rest waits for the next piece.
            let mut buf = vec![0u8; read_sizes.next().unwrap_or(1)];
            match to.reader().read(&mut buf) {
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
            }
        }
    }
    drain(to, &mut read_sizes, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn plaintext_arrives_whole_and_in_order(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40_000), 1..6),
        wire_sizes in prop::collection::vec(1usize..20_000, 1..8),
        read_sizes in prop::collection::vec(1usize..9_000, 1..8),
        server_sends: bool,
    ) {
        let p = pki_for(KeyAlgorithm::EcdsaP256);
        let (cb, sb) = configs(&p);
        let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
        do_handshake(&mut c, &mut s);
        let (from, to): (&mut ConnectionCommon, &mut ConnectionCommon) =
            if server_sends { (&mut s, &mut c) } else { (&mut c, &mut s) };
        let got = send(from, to, &chunks, &wire_sizes, &read_sizes);
        let sent: Vec<u8> = chunks.concat();
        prop_assert_eq!(got.len(), sent.len());
        prop_assert!(got == sent, "the plaintext differs");
    }
}
