//! The PEM reader and writer of `qssl_crypto::pki`: OpenSSL-made files (see
//! `fixtures/pki/README.md`), a table of malformed inputs with the exact error
//! each gets, and property tests (round trip, truncation, arbitrary input).

use der::Encode;
use der::asn1::Any;
use proptest::prelude::*;
use qssl_crypto::pki::{PemBlock, PemError, pem_blocks, pem_certificates, pem_encode};

const MLDSA_PEM: &str = include_str!("fixtures/pki/mldsa65-selfsigned.pem");
const MLDSA_DER: &[u8] = include_bytes!("fixtures/pki/mldsa65-selfsigned.der");
const P384_PEM: &str = include_str!("fixtures/pki/p384-selfsigned.pem");
const P384_DER: &[u8] = include_bytes!("fixtures/pki/p384-selfsigned.der");
const BUNDLE: &str = include_str!("fixtures/pki/bundle-with-text.pem");

#[test]
fn openssl_files_decode_to_openssls_der() {
    assert_eq!(pem_certificates(MLDSA_PEM).unwrap(), [MLDSA_DER]);
    assert_eq!(pem_certificates(P384_PEM).unwrap(), [P384_DER]);
    // Explanatory text around the blocks is skipped.
    assert_eq!(pem_certificates(BUNDLE).unwrap(), [P384_DER, MLDSA_DER]);
    // CRLF line ends (a file edited on Windows) read the same.
    assert_eq!(
        pem_certificates(&BUNDLE.replace('\n', "\r\n")).unwrap(),
        [P384_DER, MLDSA_DER]
    );
}

#[test]
fn encoding_matches_openssl_byte_for_byte() {
    assert_eq!(pem_encode("CERTIFICATE", MLDSA_DER), MLDSA_PEM);
    assert_eq!(pem_encode("CERTIFICATE", P384_DER), P384_PEM);
}

#[test]
fn openssl_certificates_parse_with_x509_cert() {
    use der::Decode;
    for der in [MLDSA_DER, P384_DER] {
        let cert = x509_cert::Certificate::from_der(der).unwrap();
        assert_eq!(cert.to_der().unwrap(), der);
    }
}

fn seq(content: &[u8]) -> Vec<u8> {
    Any::new(der::Tag::Sequence, content)
        .unwrap()
        .to_der()
        .unwrap()
}

fn block(label: &str, body: &str) -> String {
    format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
}

#[test]
fn malformed_inputs_get_the_right_error() {
    // "MAA=" is base64 of 30 00, an empty SEQUENCE; "aGVsbG8=" is "hello".
    let ok = block("CERTIFICATE", "MAA=");
    assert_eq!(pem_certificates(&ok).unwrap(), [vec![0x30, 0x00]]);

    let table: Vec<(&str, String, PemError)> = vec![
        ("empty input", String::new(), PemError::NoCertificate),
        (
            "garbage",
            "\u{0}\u{1}binary garbage \u{fffd}\n".into(),
            PemError::NoCertificate,
        ),
        (
            "a bare BEGIN",
            "-----BEGIN CERTIFICATE-----\n".into(),
            PemError::Unterminated { line: 1 },
        ),
        (
            "a truncated file",
            MLDSA_PEM[..MLDSA_PEM.len() / 2].into(),
            PemError::Unterminated { line: 1 },
        ),
        (
            "BEGIN inside a block",
            format!("text\n-----BEGIN CERTIFICATE-----\nMAA=\n{ok}"),
            PemError::Unterminated { line: 2 },
        ),
        (
            "END without BEGIN",
            "hello\n-----END CERTIFICATE-----\n".into(),
            PemError::EndWithoutBegin { line: 2 },
        ),
        (
            "BEGIN without closing dashes",
            "-----BEGIN CERTIFICATE\nMAA=\n-----END CERTIFICATE-----\n".into(),
            PemError::BadBoundary { line: 1 },
        ),
        (
            "empty label",
            "-----BEGIN -----\nMAA=\n-----END -----\n".into(),
            PemError::BadBoundary { line: 1 },
        ),
        (
            "END with another label",
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n".into(),
            PemError::LabelMismatch { line: 3 },
        ),
        (
            "a private key in a certificate file",
            format!("{ok}{}", block("PRIVATE KEY", "MAA=")),
            PemError::UnexpectedLabel { line: 4 },
        ),
        (
            "TRUSTED CERTIFICATE",
            block("TRUSTED CERTIFICATE", "MAA="),
            PemError::UnexpectedLabel { line: 1 },
        ),
        (
            "a non-base64 line",
            block("CERTIFICATE", "MAA=\nnot base64!"),
            PemError::Base64 { line: 3 },
        ),
        (
            "RFC 1421 headers",
            block("CERTIFICATE", "Proc-Type: 4,ENCRYPTED\n\nMAA="),
            PemError::Base64 { line: 2 },
        ),
        (
            "truncated base64",
            block("CERTIFICATE", "MAA"),
            PemError::Base64 { line: 1 },
        ),
        (
            "non-canonical base64 (stray bits)",
            block("CERTIFICATE", "MAB="),
            PemError::Base64 { line: 1 },
        ),
        (
            "padding in the middle",
            block("CERTIFICATE", "MA==MAA="),
            PemError::Base64 { line: 1 },
        ),
        (
            "an empty block",
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".into(),
            PemError::EmptyBlock { line: 1 },
        ),
        (
            "not DER",
            block("CERTIFICATE", "aGVsbG8="),
            PemError::NotDer { line: 1 },
        ),
        (
            "DER that is not a SEQUENCE",
            block("CERTIFICATE", "BAA="), // 04 00, an empty OCTET STRING
            PemError::NotDer { line: 1 },
        ),
        (
            "trailing bytes after the SEQUENCE",
            block("CERTIFICATE", "MAAA"), // 30 00 00
            PemError::NotDer { line: 1 },
        ),
    ];
    for (what, input, want) in table {
        assert_eq!(pem_certificates(&input), Err(want), "{what}");
    }
}

#[test]
fn errors_name_the_line() {
    let err = pem_certificates("x\ny\n-----BEGIN CERTIFICATE-----\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: PEM block is not terminated by a matching -----END line"
    );
    assert_eq!(
        pem_certificates(&block("PRIVATE KEY", "MAA="))
            .unwrap_err()
            .to_string(),
        "line 1: unexpected PEM label (expected CERTIFICATE)"
    );
}

#[test]
fn pem_blocks_keeps_every_label() {
    let input = format!(
        "{}{}",
        block("PRIVATE KEY", "MAA="),
        block("CERTIFICATE", "MAA=")
    );
    let blocks = pem_blocks(&input).unwrap();
    let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["PRIVATE KEY", "CERTIFICATE"]);
    assert_eq!(
        pem_blocks("no blocks here").unwrap(),
        Vec::<PemBlock>::new()
    );
    // Debug never prints the contents (they may be a private key).
    assert_eq!(
        format!("{:?}", blocks[0]),
        r#"PemBlock { label: "PRIVATE KEY", der_len: 2 }"#
    );
}

proptest! {
    #[test]
    fn certificates_round_trip(contents in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..4)) {
        let ders: Vec<Vec<u8>> = contents.iter().map(|c| seq(c)).collect();
        let file: String = ders.iter().map(|d| pem_encode("CERTIFICATE", d)).collect();
        prop_assert_eq!(pem_certificates(&file).unwrap(), ders.clone());
        prop_assert_eq!(pem_certificates(&file.replace('\n', "\r\n")).unwrap(), ders);
    }

    #[test]
    fn blocks_round_trip(label in "[A-Z0-9]([A-Z0-9 ]{0,20}[A-Z0-9])?", bytes in prop::collection::vec(any::<u8>(), 1..500)) {
        let blocks = pem_blocks(&pem_encode(&label, &bytes)).unwrap();
        prop_assert_eq!(blocks, vec![PemBlock { label, der: bytes }]);
    }

    /// Every prefix of a two-certificate file is either an error or the
    /// certificates whose blocks it holds whole: never a panic, never a
    /// half-read certificate.
    #[test]
    fn truncation_never_yields_a_wrong_certificate(a in prop::collection::vec(any::<u8>(), 0..200), b in prop::collection::vec(any::<u8>(), 0..200), cut in any::<prop::sample::Index>()) {
        let (a, b) = (seq(&a), seq(&b));
        let first = pem_encode("CERTIFICATE", &a);
        let file = format!("{first}{}", pem_encode("CERTIFICATE", &b));
        let cut = cut.index(file.len() + 1);
        match pem_certificates(&file[..cut]) {
            Ok(certs) => {
                // "-----END CERTIFICATE-----" without its newline is still whole.
                if cut >= file.len() - 1 {
                    prop_assert_eq!(certs, vec![a, b]);
                } else {
                    prop_assert!(cut >= first.len() - 1, "cut {} gave {:?}", cut, certs);
                    prop_assert_eq!(certs, vec![a]);
                }
            }
            Err(_) => prop_assert!(cut < file.len() - 1),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(input in ".{0,400}") {
        let _ = pem_certificates(&input);
        let _ = pem_blocks(&input);
    }

    /// Inputs made of PEM-like pieces reach the deeper error paths.
    #[test]
    fn pem_like_text_never_panics(pieces in prop::collection::vec(prop::sample::select(vec![
        "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "-----BEGIN X-----",
        "-----END X-----", "MAA=", "MII", "====", "\n", "\r\n", " ", "-----", "a", "\u{e9}",
    ]), 0..40)) {
        let input: String = pieces.concat();
        let _ = pem_certificates(&input);
        let _ = pem_blocks(&input);
    }

    /// Flipping one byte of a valid file never panics; if it still reads, the
    /// result is well-formed (one DER SEQUENCE per block).
    #[test]
    fn corrupted_files_never_panic(pos in any::<prop::sample::Index>(), byte in 0x20u8..0x7f) {
        let mut bytes = P384_PEM.as_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        let input = String::from_utf8(bytes).unwrap();
        if let Ok(certs) = pem_certificates(&input) {
            prop_assert_eq!(certs.len(), 1);
            prop_assert_eq!(certs[0][0], 0x30);
        }
    }
}
