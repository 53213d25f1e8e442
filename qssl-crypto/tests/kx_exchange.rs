//! Every group of every provider through the public API: both sides agree,
//! shares and secrets have the sizes the specifications give, and X25519 key
//! reuse between a hybrid and plain x25519 works.

mod common;

use common::Backend;
use qssl_crypto::error::CryptoError;
use qssl_crypto::kx::{NamedGroup, SupportedKxGroup};
use qssl_crypto::rand::OS_RANDOM;

/// (group, client share, server share, secret) lengths from RFC 8446,
/// draft-ietf-tls-mlkem and draft-ietf-tls-ecdhe-mlkem.
fn sizes(b: &Backend) -> [(&'static dyn SupportedKxGroup, usize, usize, usize); 8] {
    [
        (b.group(NamedGroup::X25519), 32, 32, 32),
        (b.group(NamedGroup::SECP256R1), 65, 65, 32),
        (b.group(NamedGroup::SECP384R1), 97, 97, 48),
        (b.group(NamedGroup::MLKEM768), 1184, 1088, 32),
        (b.group(NamedGroup::MLKEM1024), 1568, 1568, 32),
        (b.group(NamedGroup::X25519MLKEM768), 1216, 1120, 64),
        (b.group(NamedGroup::SECP256R1MLKEM768), 1249, 1153, 64),
        (b.group(NamedGroup::SECP384R1MLKEM1024), 1665, 1665, 80),
    ]
}

#[test]
fn every_group_agrees_with_expected_sizes() {
    for b in common::backends() {
        for (group, client_len, server_len, secret_len) in sizes(&b) {
            let what = format!("{}: {:?}", b.name, group.name());
            let client = group.start(OS_RANDOM).unwrap();
            assert_eq!(client.group(), group.name());
            assert_eq!(client.pub_key().len(), client_len, "{what}");
            let server = group
                .start_and_complete(client.pub_key(), OS_RANDOM)
                .unwrap();
            assert_eq!(server.group, group.name());
            assert_eq!(server.pub_key.len(), server_len, "{what}");
            let secret = client.complete(&server.pub_key).unwrap();
            assert_eq!(secret.as_bytes().len(), secret_len, "{what}");
            assert_eq!(secret.as_bytes(), server.secret.as_bytes(), "{what}");
        }
    }
}

#[test]
fn fresh_keys_every_time() {
    for b in common::backends() {
        for group in &b.provider.kx_groups {
            let a = group.start(OS_RANDOM).unwrap();
            let c = group.start(OS_RANDOM).unwrap();
            assert_ne!(a.pub_key(), c.pub_key(), "{}: {:?}", b.name, group.name());
        }
    }
}

#[test]
fn default_preference_order() {
    for b in common::backends() {
        let names: Vec<_> = b.provider.kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(
            names,
            [
                NamedGroup::X25519MLKEM768,
                NamedGroup::SECP384R1MLKEM1024,
                NamedGroup::SECP256R1MLKEM768,
                NamedGroup::MLKEM1024,
                NamedGroup::MLKEM768,
                NamedGroup::X25519,
                NamedGroup::SECP384R1,
                NamedGroup::SECP256R1,
            ],
            "{}",
            b.name
        );
        let spelled: Vec<_> = names.iter().map(|n| format!("{n:?}")).collect();
        assert_eq!(
            spelled,
            [
                "X25519MLKEM768",
                "SecP384r1MLKEM1024",
                "SecP256r1MLKEM768",
                "MLKEM1024",
                "MLKEM768",
                "x25519",
                "secp384r1",
                "secp256r1"
            ]
        );
    }
}

#[test]
fn secrets_are_redacted_in_debug() {
    for b in common::backends() {
        for group in &b.provider.kx_groups {
            let client = group.start(OS_RANDOM).unwrap();
            let server = group
                .start_and_complete(client.pub_key(), OS_RANDOM)
                .unwrap();
            let hex: String = server.secret.as_bytes()[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let shown = format!("{server:?}");
            assert!(!shown.contains(&hex), "{}: {shown}", b.name);
            assert!(shown.contains("redacted"));
        }
    }
}

/// draft-ietf-tls-hybrid-design §3.2: a client offering a hybrid and its
/// classical group may send one classical key in both shares.
#[test]
fn hybrid_classical_key_reuse() {
    for b in common::backends() {
        let cases = [
            (NamedGroup::X25519MLKEM768, NamedGroup::X25519, 32, true),
            (
                NamedGroup::SECP256R1MLKEM768,
                NamedGroup::SECP256R1,
                65,
                false,
            ),
            (
                NamedGroup::SECP384R1MLKEM1024,
                NamedGroup::SECP384R1,
                97,
                false,
            ),
        ];
        for (hybrid, classical_name, len, classical_last) in cases {
            let (hybrid, classical) = (b.group(hybrid), b.group(classical_name));
            let client = hybrid.start(OS_RANDOM).unwrap();
            let (name, share) = client.hybrid_component().unwrap();
            assert_eq!(name, classical_name);
            assert_eq!(share.len(), len);
            let full = client.pub_key();
            let embedded = if classical_last {
                &full[full.len() - len..]
            } else {
                &full[..len]
            };
            assert_eq!(share, embedded, "{}: {:?}", b.name, hybrid.name());

            // The server picked the classical group and answered the reused share.
            let server = classical.start_and_complete(share, OS_RANDOM).unwrap();
            let secret = client.complete_hybrid_component(&server.pub_key).unwrap();
            assert_eq!(secret.as_bytes(), server.secret.as_bytes(), "{}", b.name);
        }
    }
}

#[test]
fn non_hybrids_have_no_component() {
    for b in common::backends() {
        for group in [
            NamedGroup::X25519,
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1,
            NamedGroup::MLKEM768,
            NamedGroup::MLKEM1024,
        ] {
            let group = b.group(group);
            let client = group.start(OS_RANDOM).unwrap();
            assert!(client.hybrid_component().is_none());
            let peer = client.pub_key().to_vec();
            assert_eq!(
                client.complete_hybrid_component(&peer).unwrap_err(),
                CryptoError::NotHybrid,
                "{}: {:?}",
                b.name,
                group.name()
            );
        }
    }
}

#[test]
fn wrong_ciphertext_gives_a_different_secret() {
    // ML-KEM's implicit rejection: a tampered ciphertext is not an error but a
    // pseudorandom secret, so the handshake fails at Finished.
    for b in common::backends() {
        for group in [NamedGroup::MLKEM768, NamedGroup::X25519MLKEM768] {
            let group = b.group(group);
            let client = group.start(OS_RANDOM).unwrap();
            let mut server = group
                .start_and_complete(client.pub_key(), OS_RANDOM)
                .unwrap();
            server.pub_key[5] ^= 1;
            let secret = client.complete(&server.pub_key).unwrap();
            assert_ne!(secret.as_bytes(), server.secret.as_bytes(), "{}", b.name);
        }
    }
}
