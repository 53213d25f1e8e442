//! Protection and record-layer rules: round trips, TLS 1.2 framing against the
//! raw AEAD crates, and one test per bad-input class asserting the exact alert.

use crate::*;
use bytes::BytesMut;
use proptest::prelude::*;
use qssl_alert::AlertDescription as A;
use qssl_crypto::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305};

const KEY32: [u8; 32] = [0x42; 32];
const IV: [u8; 12] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
];

fn key_for(aead: &'static dyn Aead) -> &'static [u8] {
    &KEY32[..aead.key_len()]
}

/// Every (suite, framing) pair: a fresh protector for each side.
fn protector(aead: &'static dyn Aead, version: TlsVersion) -> Protector {
    let key = key_for(aead);
    match version {
        TlsVersion::Tls13 => Protector::tls13(aead, key, &IV).unwrap(),
        TlsVersion::Tls12 if aead.name() == "ChaCha20-Poly1305" => {
            Protector::tls12_chacha20_poly1305(aead, key, &IV).unwrap()
        }
        TlsVersion::Tls12 => Protector::tls12_gcm(aead, key, &[1, 2, 3, 4]).unwrap(),
    }
}

fn suites() -> [(&'static dyn Aead, TlsVersion); 6] {
    [
        (AES_128_GCM, TlsVersion::Tls13),
        (AES_256_GCM, TlsVersion::Tls13),
        (CHACHA20_POLY1305, TlsVersion::Tls13),
        (AES_128_GCM, TlsVersion::Tls12),
        (AES_256_GCM, TlsVersion::Tls12),
        (CHACHA20_POLY1305, TlsVersion::Tls12),
    ]
}

/// A pair of record layers with the same keys installed in each direction.
fn pair(aead: &'static dyn Aead, version: TlsVersion) -> (RecordLayer, RecordLayer) {
    let mut w = RecordLayer::new();
    w.set_write_protector(protector(aead, version));
    let mut r = RecordLayer::new();
    r.set_read_protector(protector(aead, version));
    (w, r)
}

/// Deframes everything in `wire` and opens each record; stops at the first error.
fn read_all(r: &mut RecordLayer, wire: &[u8]) -> Result<Vec<(ContentType, Vec<u8>)>, RecordError> {
    let mut d = Deframer::new(MAX_CIPHERTEXT_LEN_TLS12);
    let mut out = Vec::new();
    let mut fed = 0;
    loop {
        // The deframer holds at most one maximum record: feed, drain, repeat.
        fed += d.extend(&wire[fed..]);
        while let Some(rec) = d.next_record() {
            let (t, data) = r.open(rec?)?;
            out.push((t, data.to_vec()));
        }
        if fed == wire.len() {
            break;
        }
    }
    assert!(!d.has_partial_record());
    Ok(out)
}

/// Builds a record by hand with the raw key, for inputs `seal_into` refuses to make.
fn raw_tls13_record(aead: &'static dyn Aead, seq: u64, inner: &[u8]) -> Vec<u8> {
    let key = aead.new_key(key_for(aead)).unwrap();
    let len = u16::try_from(inner.len() + 16).unwrap();
    let header = RecordHeader {
        typ: ContentType::APPLICATION_DATA,
        version: ProtocolVersion::TLSV1_2,
        len,
    }
    .to_bytes();
    let mut nonce = IV;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let mut body = inner.to_vec();
    let tag = key.seal_in_place(&nonce, &header, &mut body).unwrap();
    let mut out = header.to_vec();
    out.extend(body);
    out.extend(tag);
    out
}

#[test]
fn every_suite_round_trips_all_types_and_sizes() {
    for (aead, version) in suites() {
        let (mut w, mut r) = pair(aead, version);
        let mut wire = BytesMut::new();
        let big = vec![0x5a; 40_000];
        let mut expect = Vec::new();
        for (typ, data) in [
            (ContentType::HANDSHAKE, &b"\x01\x00\x00\x00"[..]),
            (ContentType::APPLICATION_DATA, &b""[..]),
            (ContentType::APPLICATION_DATA, &big[..]),
            (ContentType::ALERT, &[1, 0][..]),
        ] {
            let _ = w.write(typ, data, &mut wire).unwrap();
            if data.is_empty() {
                expect.push((typ, Vec::new()));
            }
            for c in data.chunks(MAX_PLAINTEXT_LEN) {
                expect.push((typ, c.to_vec()));
            }
        }
        assert_eq!(
            read_all(&mut r, &wire).unwrap(),
            expect,
            "{aead:?} {version:?}"
        );
        assert_eq!(w.write_protector().unwrap().sequence_number(), 6);
        assert_eq!(r.read_protector().unwrap().sequence_number(), 6);
    }
}

#[test]
fn tls13_outer_header_hides_the_type() {
    let (mut w, _) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut wire = BytesMut::new();
    let _ = w.write(ContentType::HANDSHAKE, b"abc", &mut wire).unwrap();
    // opaque_type 23, legacy_record_version 0x0303, length = 3 + 1 + 16.
    assert_eq!(&wire[..5], &[23, 3, 3, 0, 20]);
}

#[test]
fn tls12_gcm_matches_raw_aes_gcm_with_rfc5288_nonce_and_aad() {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let salt = [0xde, 0xad, 0xbe, 0xef];
    let mut p = Protector::tls12_gcm(AES_128_GCM, &KEY32[..16], &salt).unwrap();
    let mut wire = BytesMut::new();
    for seq in 0u64..3 {
        wire.clear();
        let plaintext = b"GET / HTTP/1.1\r\n";
        let _ = p
            .seal_into(ContentType::APPLICATION_DATA, plaintext, &mut wire)
            .unwrap();
        // RFC 5288 §3: nonce = salt(4) ‖ nonce_explicit(8), explicit nonce sent
        // first in the record. RFC 5246 §6.2.3.3: AAD = seq ‖ type ‖ version ‖ length.
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&salt);
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let mut aad = seq.to_be_bytes().to_vec();
        aad.extend([23, 3, 3, 0, plaintext.len() as u8]);
        let cipher = aes_gcm::Aes128Gcm::new_from_slice(&KEY32[..16]).unwrap();
        let mut body = plaintext.to_vec();
        let tag = cipher
            .encrypt_inout_detached((&nonce).into(), &aad, body.as_mut_slice().into())
            .unwrap();
        let mut expect = vec![23, 3, 3, 0, (8 + plaintext.len() + 16) as u8];
        expect.extend(seq.to_be_bytes());
        expect.extend(body);
        expect.extend(tag.as_slice());
        assert_eq!(hex::encode(&wire), hex::encode(expect), "seq {seq}");
    }
}

#[test]
fn tls12_chacha20_matches_raw_chacha20_poly1305_with_rfc7905_nonce() {
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    let mut p = Protector::tls12_chacha20_poly1305(CHACHA20_POLY1305, &KEY32, &IV).unwrap();
    let mut wire = BytesMut::new();
    for seq in 0u64..3 {
        wire.clear();
        let _ = p
            .seal_into(
                ContentType::HANDSHAKE,
                b"\x14\x00\x00\x0c0123456789ab",
                &mut wire,
            )
            .unwrap();
        // RFC 7905 §2: nonce = client/server_write_IV XOR (seq left-padded to 12 bytes).
        let mut nonce = IV;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        let mut aad = seq.to_be_bytes().to_vec();
        aad.extend([22, 3, 3, 0, 16]);
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&KEY32).unwrap();
        let mut body = b"\x14\x00\x00\x0c0123456789ab".to_vec();
        let tag = cipher
            .encrypt_inout_detached((&nonce).into(), &aad, body.as_mut_slice().into())
            .unwrap();
        let mut expect = vec![22, 3, 3, 0, 32];
        expect.extend(body);
        expect.extend(tag.as_slice());
        assert_eq!(hex::encode(&wire), hex::encode(expect), "seq {seq}");
    }
}

#[test]
fn padding_policy_pads_and_is_stripped() {
    let (mut w, mut r) = pair(CHACHA20_POLY1305, TlsVersion::Tls13);
    w.write_protector_mut()
        .unwrap()
        .set_padding(Padding::ToMultipleOf(256));
    let mut wire = BytesMut::new();
    let _ = w
        .write(ContentType::APPLICATION_DATA, b"hi", &mut wire)
        .unwrap();
    assert_eq!(wire.len(), 5 + 256 + 16);
    // Padding never passes the limit: a full record stays at 2^14 + 1 inner bytes.
    let _ = w
        .write(
            ContentType::APPLICATION_DATA,
            &[7; MAX_PLAINTEXT_LEN],
            &mut wire,
        )
        .unwrap();
    assert_eq!(wire.len(), 277 + 5 + MAX_INNER_PLAINTEXT_LEN_TLS13 + 16);
    let got = read_all(&mut r, &wire).unwrap();
    assert_eq!(got[0], (ContentType::APPLICATION_DATA, b"hi".to_vec()));
    assert_eq!(got[1].1.len(), MAX_PLAINTEXT_LEN);
}

#[test]
fn record_size_limit_fragments_outgoing_and_bounds_incoming() {
    // RFC 8449: a limit of 100 in TLS 1.3 leaves 99 bytes of content per record.
    let (mut w, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    w.write_protector_mut().unwrap().set_record_size_limit(100);
    assert_eq!(w.max_fragment_len(), 99);
    let mut wire = BytesMut::new();
    let _ = w
        .write(ContentType::APPLICATION_DATA, &[1; 250], &mut wire)
        .unwrap();
    let got = read_all(&mut r, &wire).unwrap();
    let lens: Vec<usize> = got.iter().map(|(_, d)| d.len()).collect();
    assert_eq!(lens, [99, 99, 52]);

    // Our advertised limit on the read side: a record over it is record_overflow.
    let (mut w, _) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut small = RecordLayer::new();
    let mut p = protector(AES_128_GCM, TlsVersion::Tls13);
    p.set_record_size_limit(100);
    small.set_read_protector(p);
    let mut wire = BytesMut::new();
    let _ = w
        .write(ContentType::APPLICATION_DATA, &[1; 100], &mut wire)
        .unwrap();
    let err = read_all(&mut small, &wire).unwrap_err();
    assert_eq!(err, RecordError::PlaintextOverflow { len: 101, max: 100 });
    assert_eq!(err.alert(), A::RECORD_OVERFLOW);

    // TLS 1.2 counts the plaintext alone; values below 64 are raised to 64.
    let mut p = protector(AES_128_GCM, TlsVersion::Tls12);
    p.set_record_size_limit(10);
    assert_eq!(p.max_fragment_len(), MIN_RECORD_SIZE_LIMIT);
}

#[test]
fn plaintext_records_before_keys() {
    let mut w = RecordLayer::new();
    w.set_plaintext_version(ProtocolVersion::TLSV1_0);
    let mut wire = BytesMut::new();
    let _ = w
        .write(ContentType::HANDSHAKE, &[1; 20_000], &mut wire)
        .unwrap();
    assert_eq!(&wire[..5], &[22, 3, 1, 0x40, 0]);
    let mut r = RecordLayer::new();
    let got = read_all(&mut r, &wire).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].1.len(), 20_000 - MAX_PLAINTEXT_LEN);
}

// ---- one test per bad-input class, asserting the exact alert ----

fn open_err(r: &mut RecordLayer, wire: &[u8]) -> A {
    read_all(r, wire).unwrap_err().alert()
}

#[test]
fn bad_tag_is_bad_record_mac_for_every_suite() {
    for (aead, version) in suites() {
        let (mut w, mut r) = pair(aead, version);
        let mut wire = BytesMut::new();
        let _ = w
            .write(ContentType::APPLICATION_DATA, b"data", &mut wire)
            .unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        assert_eq!(
            open_err(&mut r, &wire),
            A::BAD_RECORD_MAC,
            "{aead:?} {version:?}"
        );
        // The sequence number did not move: a failed record is not counted.
        assert_eq!(r.read_protector().unwrap().sequence_number(), 0);
    }
}

#[test]
fn records_too_short_for_a_tag_are_bad_record_mac() {
    for (aead, version) in suites() {
        let (_, mut r) = pair(aead, version);
        for len in [0u8, 1, 15, 23] {
            let typ = if version == TlsVersion::Tls13 { 23 } else { 22 };
            let mut wire = vec![typ, 3, 3, 0, len];
            wire.extend(vec![0; usize::from(len)]);
            assert_eq!(
                open_err(&mut r, &wire),
                A::BAD_RECORD_MAC,
                "{aead:?} {version:?} {len}"
            );
        }
    }
}

#[test]
fn wrong_sequence_number_is_bad_record_mac() {
    let (mut w, mut r) = pair(AES_256_GCM, TlsVersion::Tls13);
    let mut first = BytesMut::new();
    let mut second = BytesMut::new();
    let _ = w
        .write(ContentType::APPLICATION_DATA, b"1", &mut first)
        .unwrap();
    let _ = w
        .write(ContentType::APPLICATION_DATA, b"2", &mut second)
        .unwrap();
    // Replaying or reordering changes the nonce.
    assert_eq!(open_err(&mut r, &second), A::BAD_RECORD_MAC);
}

#[test]
fn all_zero_inner_plaintext_is_unexpected_message() {
    for inner in [&[][..], &[0][..], &[0; 40][..]] {
        let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
        let wire = raw_tls13_record(AES_128_GCM, 0, inner);
        let err = read_all(&mut r, &wire).unwrap_err();
        assert_eq!(err, RecordError::MissingInnerContentType);
        assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn unknown_inner_content_type_is_unexpected_message() {
    for typ in [1u8, 24, 255] {
        let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
        let wire = raw_tls13_record(AES_128_GCM, 0, &[b'x', typ, 0, 0]);
        let err = read_all(&mut r, &wire).unwrap_err();
        assert_eq!(err, RecordError::UnknownContentType(ContentType(typ)));
        assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn zero_length_handshake_and_alert_are_unexpected_message() {
    // RFC 8446 §5.4, protected (even with padding) ...
    for typ in [ContentType::HANDSHAKE, ContentType::ALERT] {
        for inner in [vec![typ.0], vec![typ.0, 0, 0, 0]] {
            let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
            let err = read_all(&mut r, &raw_tls13_record(AES_128_GCM, 0, &inner)).unwrap_err();
            assert_eq!(err, RecordError::EmptyFragment(typ));
            assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
        }
        // ... and in the clear.
        let mut r = RecordLayer::new();
        assert_eq!(
            open_err(&mut r, &[typ.0, 3, 3, 0, 0]),
            A::UNEXPECTED_MESSAGE
        );
    }
    // Zero-length application data is allowed (RFC 8446 §5.1).
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let got = read_all(&mut r, &raw_tls13_record(AES_128_GCM, 0, &[23])).unwrap();
    assert_eq!(got, [(ContentType::APPLICATION_DATA, vec![])]);
}

#[test]
fn empty_records_are_capped_in_a_row() {
    // 32 empty application data records pass, a non-empty one resets the count ...
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut wire = Vec::new();
    let mut seq = 0;
    let mut push = |wire: &mut Vec<u8>, inner: &[u8]| {
        wire.extend(raw_tls13_record(AES_128_GCM, seq, inner));
        seq += 1;
    };
    for _ in 0..MAX_EMPTY_RECORDS_IN_A_ROW {
        push(&mut wire, &[23]);
    }
    push(&mut wire, &[b'x', 23]);
    for _ in 0..MAX_EMPTY_RECORDS_IN_A_ROW {
        push(&mut wire, &[23]);
    }
    let got = read_all(&mut r, &wire).unwrap();
    assert_eq!(got.len(), 2 * MAX_EMPTY_RECORDS_IN_A_ROW + 1);
    // ... and one more empty record without one between is unexpected_message.
    push(&mut wire, &[23]);
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let err = read_all(&mut r, &wire).unwrap_err();
    assert_eq!(err, RecordError::TooManyEmptyRecords);
    assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
}

#[test]
fn has_decrypted_is_set_by_the_first_opened_protected_record() {
    let (mut w, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    assert!(!r.has_decrypted());
    // A plaintext change_cipher_spec under read keys is not a decryption.
    read_all(&mut r, &[20, 3, 3, 0, 1, 1]).unwrap();
    assert!(!r.has_decrypted());
    // A record that fails authentication is not either.
    let mut bad = raw_tls13_record(AES_128_GCM, 0, &[b'x', 23]);
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(read_all(&mut r, &bad).is_err());
    assert!(!r.has_decrypted());
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut wire = BytesMut::new();
    assert_eq!(
        w.write(ContentType::HANDSHAKE, b"hs", &mut wire).unwrap(),
        SealStatus::Ok
    );
    read_all(&mut r, &wire).unwrap();
    assert!(r.has_decrypted());
}

#[test]
fn alert_records_not_two_bytes_are_decode_error() {
    for body in [&[2][..], &[2, 40, 2][..], &[1, 0, 1, 0][..]] {
        let mut inner = body.to_vec();
        inner.push(21);
        let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
        let err = read_all(&mut r, &raw_tls13_record(AES_128_GCM, 0, &inner)).unwrap_err();
        assert_eq!(err, RecordError::AlertLength(body.len()));
        assert_eq!(err.alert(), A::DECODE_ERROR);
        let mut r = RecordLayer::new();
        let mut wire = vec![21, 3, 3, 0, body.len() as u8];
        wire.extend(body);
        assert_eq!(open_err(&mut r, &wire), A::DECODE_ERROR);
    }
}

#[test]
fn change_cipher_spec_rules() {
    // TLS 1.3 keys installed: a plaintext CCS of 0x01 passes for the handshake to judge.
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let got = read_all(&mut r, &[20, 3, 3, 0, 1, 1]).unwrap();
    assert_eq!(got, [(ContentType::CHANGE_CIPHER_SPEC, vec![1])]);
    // Any other value is unexpected_message.
    for wire in [
        &[20, 3, 3, 0, 1, 2][..],
        &[20, 3, 3, 0, 2, 1, 1][..],
        &[20, 3, 3, 0, 0][..],
    ] {
        let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
        let err = read_all(&mut r, wire).unwrap_err();
        assert_eq!(err, RecordError::BadChangeCipherSpec);
        assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
    }
    // A protected CCS is unexpected_message (RFC 8446 §5), in both versions.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut w, mut r) = pair(AES_128_GCM, version);
        let mut wire = BytesMut::new();
        let _ = w
            .write(ContentType::CHANGE_CIPHER_SPEC, &[1], &mut wire)
            .unwrap();
        let err = read_all(&mut r, &wire).unwrap_err();
        assert_eq!(err, RecordError::ProtectedChangeCipherSpec);
        assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn unprotected_records_where_protection_is_required_are_unexpected_message() {
    // Application data before keys.
    let mut r = RecordLayer::new();
    let err = read_all(&mut r, &[23, 3, 3, 0, 1, b'x']).unwrap_err();
    assert_eq!(
        err,
        RecordError::UnexpectedPlaintext(ContentType::APPLICATION_DATA)
    );
    assert_eq!(err.alert(), A::UNEXPECTED_MESSAGE);
    // A plaintext handshake or alert record after TLS 1.3 read keys.
    for typ in [22u8, 21] {
        let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
        assert_eq!(
            open_err(&mut r, &[typ, 3, 3, 0, 2, 1, 0]),
            A::UNEXPECTED_MESSAGE
        );
    }
}

#[test]
fn oversized_plaintext_records_are_record_overflow() {
    // In the clear: 2^14 + 1 bytes of handshake.
    let mut r = RecordLayer::new();
    let mut wire = vec![22, 3, 3, 0x40, 0x01];
    wire.extend(vec![1; MAX_PLAINTEXT_LEN + 1]);
    let err = read_all(&mut r, &wire).unwrap_err();
    assert_eq!(err.alert(), A::RECORD_OVERFLOW);
    // Protected TLS 1.3: inner plaintext of 2^14 + 2 (fits the ciphertext limit).
    let (_, mut r) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut inner = vec![1; MAX_PLAINTEXT_LEN + 1];
    inner.push(23);
    let err = read_all(&mut r, &raw_tls13_record(AES_128_GCM, 0, &inner)).unwrap_err();
    assert_eq!(
        err,
        RecordError::PlaintextOverflow {
            len: MAX_PLAINTEXT_LEN + 2,
            max: MAX_INNER_PLAINTEXT_LEN_TLS13
        }
    );
    assert_eq!(err.alert(), A::RECORD_OVERFLOW);
    // Sending more than a fragment through a protector directly is refused.
    let mut p = protector(AES_128_GCM, TlsVersion::Tls12);
    let mut out = BytesMut::new();
    let err = p
        .seal_into(
            ContentType::APPLICATION_DATA,
            &[0; MAX_PLAINTEXT_LEN + 1],
            &mut out,
        )
        .unwrap_err();
    assert_eq!(err.alert(), A::RECORD_OVERFLOW);
    assert!(out.is_empty());
}

#[test]
fn refusals_on_the_sending_side_are_internal_error() {
    let (mut w, _) = pair(AES_128_GCM, TlsVersion::Tls13);
    let mut out = BytesMut::new();
    for typ in [ContentType::HANDSHAKE, ContentType::ALERT] {
        let err = w.write(typ, &[], &mut out).unwrap_err();
        assert_eq!(err, RecordError::RefusedToSend(typ));
        assert_eq!(err.alert(), A::INTERNAL_ERROR);
    }
    let err = RecordLayer::new()
        .write(ContentType::APPLICATION_DATA, b"x", &mut out)
        .unwrap_err();
    assert_eq!(err.alert(), A::INTERNAL_ERROR);
    assert!(out.is_empty());
    let err = Protector::tls13(AES_128_GCM, &[0; 15], &IV).unwrap_err();
    assert_eq!(err.alert(), A::INTERNAL_ERROR);
}

#[test]
fn sequence_numbers_never_wrap() {
    for (aead, version) in suites() {
        let mut p = protector(aead, version);
        p.set_sequence_number(u64::MAX - 2);
        let mut out = BytesMut::new();
        assert_eq!(
            p.seal_into(ContentType::APPLICATION_DATA, b"a", &mut out)
                .unwrap(),
            SealStatus::CloseDue
        );
        // The reserved last number carries the close_notify.
        assert_eq!(
            p.seal_into(ContentType::ALERT, &[1, 0], &mut out).unwrap(),
            SealStatus::CloseDue
        );
        let len = out.len();
        let err = p
            .seal_into(ContentType::APPLICATION_DATA, b"b", &mut out)
            .unwrap_err();
        assert_eq!(err, RecordError::SequenceExhausted);
        assert_eq!(err.alert(), A::CLOSE_NOTIFY);
        assert_eq!(out.len(), len);

        // The reader follows the same numbers and refuses past the end.
        let mut r = protector(aead, version);
        r.set_sequence_number(u64::MAX - 2);
        let mut d = Deframer::new(MAX_CIPHERTEXT_LEN_TLS12);
        d.extend(&out);
        let (_, data) = r.open_in_place(d.next_record().unwrap().unwrap()).unwrap();
        assert_eq!(&*data, b"a");
        let (typ, _) = r.open_in_place(d.next_record().unwrap().unwrap()).unwrap();
        assert_eq!(typ, ContentType::ALERT);
        assert_eq!(r.sequence_number(), u64::MAX);
        let mut extra = BytesMut::new();
        let mut w2 = protector(aead, version);
        let _ = w2
            .seal_into(ContentType::APPLICATION_DATA, b"c", &mut extra)
            .unwrap();
        let mut d = Deframer::new(MAX_CIPHERTEXT_LEN_TLS12);
        d.extend(&extra);
        assert_eq!(
            r.open_in_place(d.next_record().unwrap().unwrap())
                .unwrap_err(),
            RecordError::SequenceExhausted
        );
    }
}

#[test]
fn key_update_is_signalled_at_the_usage_threshold() {
    assert!(!protector(AES_128_GCM, TlsVersion::Tls13).needs_key_update());
    let mut p = protector(AES_256_GCM, TlsVersion::Tls13);
    p.set_sequence_number(AES_GCM_KEY_UPDATE_THRESHOLD - 2);
    let mut out = BytesMut::new();
    assert_eq!(
        p.seal_into(ContentType::APPLICATION_DATA, b"", &mut out)
            .unwrap(),
        SealStatus::Ok
    );
    assert_eq!(
        p.seal_into(ContentType::APPLICATION_DATA, b"", &mut out)
            .unwrap(),
        SealStatus::KeyUpdateDue
    );
    assert!(p.needs_key_update());
    // ChaCha20-Poly1305 keeps going far past the AES-GCM limit.
    let mut c = protector(CHACHA20_POLY1305, TlsVersion::Tls13);
    c.set_sequence_number(AES_GCM_KEY_UPDATE_THRESHOLD * 4);
    assert_eq!(
        c.seal_into(ContentType::APPLICATION_DATA, b"", &mut out)
            .unwrap(),
        SealStatus::Ok
    );
    c.set_sequence_number(CHACHA20_POLY1305_KEY_UPDATE_THRESHOLD);
    assert_eq!(
        c.seal_into(ContentType::APPLICATION_DATA, b"", &mut out)
            .unwrap(),
        SealStatus::KeyUpdateDue
    );
    // The record layer reports it too; a new write protector resets the epoch.
    let mut layer = RecordLayer::new();
    layer.set_write_protector(p);
    assert!(layer.needs_key_update());
    layer.set_write_protector(protector(AES_256_GCM, TlsVersion::Tls13));
    assert!(!layer.needs_key_update());
}

#[test]
fn every_error_maps_to_its_alert() {
    use qssl_crypto::error::CryptoError;
    let t = ContentType::HANDSHAKE;
    let table = [
        (
            RecordError::NotTls {
                version: ProtocolVersion(0x0200),
            },
            A::DECODE_ERROR,
        ),
        (
            RecordError::UnknownContentType(ContentType(24)),
            A::UNEXPECTED_MESSAGE,
        ),
        (
            RecordError::CiphertextOverflow { len: 1, max: 0 },
            A::RECORD_OVERFLOW,
        ),
        (
            RecordError::PlaintextOverflow { len: 1, max: 0 },
            A::RECORD_OVERFLOW,
        ),
        (RecordError::BadRecordMac, A::BAD_RECORD_MAC),
        (RecordError::MissingInnerContentType, A::UNEXPECTED_MESSAGE),
        (RecordError::EmptyFragment(t), A::UNEXPECTED_MESSAGE),
        (RecordError::AlertLength(3), A::DECODE_ERROR),
        (RecordError::TooManyEmptyRecords, A::UNEXPECTED_MESSAGE),
        (RecordError::BadChangeCipherSpec, A::UNEXPECTED_MESSAGE),
        (
            RecordError::ProtectedChangeCipherSpec,
            A::UNEXPECTED_MESSAGE,
        ),
        (RecordError::UnexpectedPlaintext(t), A::UNEXPECTED_MESSAGE),
        (RecordError::SequenceExhausted, A::CLOSE_NOTIFY),
        (RecordError::RefusedToSend(t), A::INTERNAL_ERROR),
        (
            RecordError::Crypto(CryptoError::OutputTooLong("x")),
            A::INTERNAL_ERROR,
        ),
    ];
    for (e, a) in table {
        assert_eq!(e.alert(), a, "{e:?}");
    }
    assert_eq!(
        RecordError::from(CryptoError::DecryptFailed),
        RecordError::BadRecordMac
    );
}

#[test]
fn protector_debug_shows_no_key_material() {
    let p = protector(AES_128_GCM, TlsVersion::Tls13);
    let s = format!("{p:?}");
    assert!(
        s.contains("AES-128-GCM") && !s.contains("a0") && !s.contains("160"),
        "{s}"
    );
}

proptest! {
    #[test]
    fn seal_open_round_trip(
        suite in 0usize..6,
        typ in prop::sample::select(vec![21u8, 22, 23]),
        data in proptest::collection::vec(any::<u8>(), 1..3000),
        pad in 0u16..600,
        limit in 64u16..=16385,
    ) {
        let (aead, version) = suites()[suite];
        let data = if typ == 21 { data[..1].repeat(2) } else { data };
        let (mut w, mut r) = pair(aead, version);
        w.write_protector_mut().unwrap().set_padding(Padding::ToMultipleOf(pad));
        w.write_protector_mut().unwrap().set_record_size_limit(limit);
        let mut wire = BytesMut::new();
        let _ = w.write(ContentType(typ), &data, &mut wire).unwrap();
        let got = read_all(&mut r, &wire).unwrap();
        let joined: Vec<u8> = got.iter().flat_map(|(t, d)| { assert_eq!(t.0, typ); d.clone() }).collect();
        prop_assert_eq!(joined, data);
        prop_assert!(got.iter().all(|(_, d)| d.len() <= w.max_fragment_len()));
    }

    #[test]
    fn random_records_under_keys_never_panic(
        suite in 0usize..6,
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let (aead, version) = suites()[suite];
        let (_, mut r) = pair(aead, version);
        let mut d = Deframer::new(MAX_CIPHERTEXT_LEN_TLS12);
        d.extend(&bytes);
        while let Some(rec) = d.next_record() {
            match rec {
                Ok(rec) => if r.open(rec).is_err() { break },
                Err(_) => break,
            }
        }
    }
}

/// A write of several records reserves the output once: the buffer ends exactly as
/// large as the records (growing per record would have left it at a power-of-two
/// multiple of one record), and the records open in order.
#[test]
fn a_large_write_reserves_its_records_once() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut w, mut r) = pair(AES_256_GCM, version);
        let data: Vec<u8> = (0..4 * 16384 + 4464).map(|i| i as u8).collect();
        let mut out = BytesMut::new();
        let _ = w
            .write(ContentType::APPLICATION_DATA, &data, &mut out)
            .unwrap();
        assert_eq!(out.capacity(), out.len(), "{version:?}");
        let records = read_all(&mut r, &out).unwrap();
        assert_eq!(records.len(), 5);
        let got: Vec<u8> = records.into_iter().flat_map(|(_, d)| d).collect();
        assert_eq!(got, data, "{version:?}");
    }
}
