//! Record decryption: a `RecordLayer` holding a fixed read key (TLS 1.3 or TLS 1.2
//! framing, each AEAD, or no key at all) opens whatever records arrive.
//!
//! Random bytes almost never authenticate, so the input is a list of operations: raw
//! bytes for the deframer, or a plaintext that the target itself seals under the
//! fixed key at the receiver's sequence number — with its own nonce and AAD code, not
//! the `Protector`'s — so that arbitrary inner plaintexts (no content type, all
//! padding, unknown types, oversized, empty) reach the code behind the AEAD check.
//! Every record the layer accepts must obey the content rules it promises; every
//! refusal must have an alert, and ends the connection as it would for real.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_crypto::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305, NONCE_LEN, TAG_LEN};
use qssl_record::{
    ContentType, Deframer, MAX_PLAINTEXT_LEN, Protector, ProtocolVersion, RecordHeader,
    RecordLayer, TlsVersion,
};

const KEY: [u8; 32] = [0x42; 32];
const IV: [u8; NONCE_LEN] = [0x24; NONCE_LEN];

#[derive(Clone, Copy, PartialEq)]
enum Framing {
    Tls13,
    Tls12Gcm,
    Tls12Chacha,
    Plaintext,
}

fn mode(sel: u8) -> (Framing, &'static dyn Aead) {
    match sel % 7 {
        0 => (Framing::Tls13, AES_128_GCM),
        1 => (Framing::Tls13, AES_256_GCM),
        2 => (Framing::Tls13, CHACHA20_POLY1305),
        3 => (Framing::Tls12Gcm, AES_128_GCM),
        4 => (Framing::Tls12Gcm, AES_256_GCM),
        5 => (Framing::Tls12Chacha, CHACHA20_POLY1305),
        _ => (Framing::Plaintext, AES_128_GCM),
    }
}

/// A record carrying `content` as the peer would seal it at sequence number `seq`
/// (RFC 8446 §5.2, RFC 5288 §3, RFC 7905 §2), `typ` its (outer, for TLS 1.3) type.
fn seal(framing: Framing, aead: &dyn Aead, seq: u64, typ: u8, content: &[u8]) -> Vec<u8> {
    let key = aead
        .new_key(&KEY[..aead.key_len()])
        .expect("fixed key length");
    let mut xor_nonce = IV;
    for (n, s) in xor_nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let header = |len: usize| {
        RecordHeader {
            typ: ContentType(typ),
            version: ProtocolVersion::TLSV1_2,
            len: u16::try_from(len).unwrap_or(u16::MAX),
        }
        .to_bytes()
    };
    let mut out = Vec::new();
    match framing {
        Framing::Tls13 => {
            let h = header(content.len() + TAG_LEN);
            let mut body = content.to_vec();
            let tag = key.seal_in_place(&xor_nonce, &h, &mut body).expect("seal");
            out.extend_from_slice(&h);
            out.extend_from_slice(&body);
            out.extend_from_slice(&tag);
        }
        Framing::Tls12Gcm | Framing::Tls12Chacha => {
            let explicit = framing == Framing::Tls12Gcm;
            let mut aad = [0u8; 13];
            aad[..8].copy_from_slice(&seq.to_be_bytes());
            aad[8] = typ;
            aad[9..11].copy_from_slice(&ProtocolVersion::TLSV1_2.0.to_be_bytes());
            aad[11..].copy_from_slice(
                &u16::try_from(content.len())
                    .unwrap_or(u16::MAX)
                    .to_be_bytes(),
            );
            let nonce = if explicit {
                let mut n = IV;
                n[4..].copy_from_slice(&seq.to_be_bytes());
                n
            } else {
                xor_nonce
            };
            let mut body = content.to_vec();
            let tag = key.seal_in_place(&nonce, &aad, &mut body).expect("seal");
            let explicit_len = if explicit { 8 } else { 0 };
            out.extend_from_slice(&header(explicit_len + body.len() + TAG_LEN));
            if explicit {
                out.extend_from_slice(&seq.to_be_bytes());
            }
            out.extend_from_slice(&body);
            out.extend_from_slice(&tag);
        }
        Framing::Plaintext => {
            out.extend_from_slice(&header(content.len()));
            out.extend_from_slice(content);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut ops)) = data.split_first() else {
        return;
    };
    let (framing, aead) = mode(sel & 0x7f);
    let mut layer = RecordLayer::new();
    let protector = match framing {
        Framing::Tls13 => Protector::tls13(aead, &KEY[..aead.key_len()], &IV),
        Framing::Tls12Gcm => Protector::tls12_gcm(aead, &KEY[..aead.key_len()], &[0x24; 4]),
        Framing::Tls12Chacha => Protector::tls12_chacha20_poly1305(aead, &KEY, &IV),
        Framing::Plaintext => Protector::tls13(aead, &KEY[..16], &IV),
    };
    let mut protector = protector.expect("fixed keys are valid");
    // Bit 7: a small advertised record_size_limit (RFC 8449) on the read side.
    if sel & 0x80 != 0 {
        protector.set_record_size_limit(64);
    }
    // The most content a record may carry: the read side's limit less, in TLS 1.3,
    // the content type byte.
    let limit = match framing {
        Framing::Plaintext => MAX_PLAINTEXT_LEN,
        _ => protector.max_fragment_len(),
    };
    if framing != Framing::Plaintext {
        layer.set_read_protector(protector);
    }
    let version = match framing {
        Framing::Tls13 | Framing::Plaintext => TlsVersion::Tls13,
        _ => TlsVersion::Tls12,
    };
    let mut deframer = Deframer::for_version(version);

    // Each op: a code byte, a big-endian u16 length, that many bytes (or what is left).
    while let [code, a, b, rest @ ..] = ops {
        let len = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
        let (arg, tail) = rest.split_at(len);
        ops = tail;
        let bytes = if code & 1 == 0 {
            arg.to_vec()
        } else {
            let seq = layer.read_protector().map_or(0, Protector::sequence_number);
            // TLS 1.3 records are application_data outside unless bit 1 asks for a
            // handshake type (which a protected connection must refuse); TLS 1.2 and
            // plaintext records take their type from bits 2-3.
            let typ = match framing {
                Framing::Tls13 if code & 2 == 0 => 23,
                Framing::Tls13 => 22,
                _ => 20 + ((code >> 2) & 3),
            };
            seal(framing, aead, seq, typ, arg)
        };
        let mut fed = 0;
        while fed < bytes.len() {
            let took = deframer.extend(&bytes[fed..]);
            fed += took;
            let mut opened = 0;
            while let Some(record) = deframer.next_record() {
                let result = record.and_then(|r| layer.open(r));
                match result {
                    Ok((typ, content)) => {
                        opened += 1;
                        assert!(typ.is_supported(), "unknown content type {typ:?} accepted");
                        assert!(
                            content.len() <= limit,
                            "{} bytes over the limit {limit}",
                            content.len()
                        );
                        match typ {
                            ContentType::ALERT => assert_eq!(content.len(), 2),
                            ContentType::HANDSHAKE => assert!(!content.is_empty()),
                            ContentType::CHANGE_CIPHER_SPEC => assert_eq!(content, [1]),
                            _ => {}
                        }
                    }
                    Err(e) => {
                        let _ = e.alert();
                        return;
                    }
                }
            }
            if took == 0 && opened == 0 {
                // A full buffer always holds a record or an error.
                panic!("deframer full but yielded nothing");
            }
        }
    }
});
