//! Every group through the public API: both sides agree, shares and secrets
//! have the sizes the specifications give, and X25519 key reuse between a
//! hybrid and plain x25519 works.

use qssl_crypto::error::CryptoError;
use qssl_crypto::kx::{
    ALL_KX_GROUPS, MLKEM768, MLKEM1024, NamedGroup, SECP256R1, SECP256R1MLKEM768, SECP384R1,
    SECP384R1MLKEM1024, SupportedKxGroup, X25519, X25519MLKEM768,
};
use qssl_crypto::rand::OS_RANDOM;

/// (group, client share, server share, secret) lengths from RFC 8446,
/// draft-ietf-tls-mlkem and draft-ietf-tls-ecdhe-mlkem.
fn sizes() -> [(&'static dyn SupportedKxGroup, usize, usize, usize); 8] {
    [
        (X25519, 32, 32, 32),
        (SECP256R1, 65, 65, 32),
        (SECP384R1, 97, 97, 48),
        (MLKEM768, 1184, 1088, 32),
        (MLKEM1024, 1568, 1568, 32),
        (X25519MLKEM768, 1216, 1120, 64),
        (SECP256R1MLKEM768, 1249, 1153, 64),
        (SECP384R1MLKEM1024, 1665, 1665, 80),
    ]
}

#[test]
fn every_group_agrees_with_expected_sizes() {
    for (group, client_len, server_len, secret_len) in sizes() {
        let client = group.start(OS_RANDOM).unwrap();
        assert_eq!(client.group(), group.name());
        assert_eq!(client.pub_key().len(), client_len, "{:?}", group.name());
        let server = group
            .start_and_complete(client.pub_key(), OS_RANDOM)
            .unwrap();
        assert_eq!(server.group, group.name());
        assert_eq!(server.pub_key.len(), server_len, "{:?}", group.name());
        let secret = client.complete(&server.pub_key).unwrap();
        assert_eq!(secret.as_bytes().len(), secret_len, "{:?}", group.name());
        assert_eq!(
            secret.as_bytes(),
            server.secret.as_bytes(),
            "{:?}",
            group.name()
        );
    }
}

#[test]
fn fresh_keys_every_time() {
    for group in ALL_KX_GROUPS {
        let a = group.start(OS_RANDOM).unwrap();
        let b = group.start(OS_RANDOM).unwrap();
        assert_ne!(a.pub_key(), b.pub_key(), "{:?}", group.name());
    }
}

#[test]
fn default_preference_order() {
    let names: Vec<_> = ALL_KX_GROUPS.iter().map(|g| g.name()).collect();
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
        ]
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

#[test]
fn secrets_are_redacted_in_debug() {
    let client = X25519.start(OS_RANDOM).unwrap();
    let server = X25519
        .start_and_complete(client.pub_key(), OS_RANDOM)
        .unwrap();
    let hex: String = server.secret.as_bytes()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let shown = format!("{server:?}");
    assert!(!shown.contains(&hex), "{shown}");
    assert!(shown.contains("redacted"));
}

/// draft-ietf-tls-hybrid-design §3.2: a client offering a hybrid and its
/// classical group may send one classical key in both shares.
#[test]
fn hybrid_classical_key_reuse() {
    let cases = [
        (X25519MLKEM768, X25519, NamedGroup::X25519, 32, true),
        (
            SECP256R1MLKEM768,
            SECP256R1,
            NamedGroup::SECP256R1,
            65,
            false,
        ),
        (
            SECP384R1MLKEM1024,
            SECP384R1,
            NamedGroup::SECP384R1,
            97,
            false,
        ),
    ];
    for (hybrid, classical, classical_name, len, classical_last) in cases {
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
        assert_eq!(share, embedded, "{:?}", hybrid.name());

        // The server picked the classical group and answered the reused share.
        let server = classical.start_and_complete(share, OS_RANDOM).unwrap();
        let secret = client.complete_hybrid_component(&server.pub_key).unwrap();
        assert_eq!(secret.as_bytes(), server.secret.as_bytes());
    }
}

#[test]
fn non_hybrids_have_no_component() {
    for group in [X25519, SECP256R1, SECP384R1, MLKEM768, MLKEM1024] {
        let client = group.start(OS_RANDOM).unwrap();
        assert!(client.hybrid_component().is_none());
        let peer = client.pub_key().to_vec();
        assert_eq!(
            client.complete_hybrid_component(&peer).unwrap_err(),
            CryptoError::NotHybrid
        );
    }
}

#[test]
fn wrong_ciphertext_gives_a_different_secret() {
    // ML-KEM's implicit rejection: a tampered ciphertext is not an error but a
    // pseudorandom secret, so the handshake fails at Finished.
    for group in [MLKEM768, X25519MLKEM768] {
        let client = group.start(OS_RANDOM).unwrap();
        let mut server = group
            .start_and_complete(client.pub_key(), OS_RANDOM)
            .unwrap();
        server.pub_key[5] ^= 1;
        let secret = client.complete(&server.pub_key).unwrap();
        assert_ne!(secret.as_bytes(), server.secret.as_bytes());
    }
}
