//! The two providers against each other: what one makes (key shares, ciphertexts,
//! MACs, derived keys, private keys, signatures) the other accepts and agrees with,
//! in both directions. The known answers check each provider alone; this checks
//! that a portable peer and an aws-lc peer interoperate, which is what a TLS
//! connection between them needs.
#![cfg(feature = "aws-lc")]

mod common;

use common::Backend;
use qssl_crypto::ids::CipherSuite;
use qssl_crypto::keys::MlDsaKeyForm;
use qssl_crypto::kx::NamedGroup;
use qssl_crypto::rand::OS_RANDOM;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme};

/// (portable, aws-lc).
fn pair() -> (Backend, Backend) {
    let mut all = common::backends();
    assert_eq!(all.len(), 2);
    let aws = all.pop().unwrap();
    let portable = all.pop().unwrap();
    assert_eq!((portable.name, aws.name), ("portable", "aws-lc"));
    (portable, aws)
}

/// Both orders of the pair.
fn both_ways() -> [(Backend, Backend); 2] {
    let (p1, a1) = pair();
    let (p2, a2) = pair();
    [(p1, a1), (a2, p2)]
}

/// Deterministic filler so failures reproduce.
fn bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut state = u32::from(seed) | 0x9e37_0000;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

const ALL_GROUPS: [NamedGroup; 8] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP384R1MLKEM1024,
    NamedGroup::SECP256R1MLKEM768,
    NamedGroup::MLKEM1024,
    NamedGroup::MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP384R1,
    NamedGroup::SECP256R1,
];

#[test]
fn every_group_agrees_across_providers() {
    for (client_side, server_side) in both_ways() {
        for name in ALL_GROUPS {
            for _ in 0..3 {
                let client = client_side.group(name).start(OS_RANDOM).unwrap();
                let server = server_side
                    .group(name)
                    .start_and_complete(client.pub_key(), OS_RANDOM)
                    .unwrap();
                let secret = client.complete(&server.pub_key).unwrap();
                assert_eq!(
                    secret.as_bytes(),
                    server.secret.as_bytes(),
                    "{name:?}: {} client, {} server",
                    client_side.name,
                    server_side.name
                );
            }
        }
    }
}

/// A hybrid client of one provider whose classical share is answered by the other
/// provider's plain classical group (draft-ietf-tls-hybrid-design §3.2).
#[test]
fn hybrid_component_reuse_across_providers() {
    for (client_side, server_side) in both_ways() {
        for (hybrid, classical) in [
            (NamedGroup::X25519MLKEM768, NamedGroup::X25519),
            (NamedGroup::SECP256R1MLKEM768, NamedGroup::SECP256R1),
            (NamedGroup::SECP384R1MLKEM1024, NamedGroup::SECP384R1),
        ] {
            let client = client_side.group(hybrid).start(OS_RANDOM).unwrap();
            let (_, share) = client.hybrid_component().unwrap();
            let server = server_side
                .group(classical)
                .start_and_complete(share, OS_RANDOM)
                .unwrap();
            let secret = client.complete_hybrid_component(&server.pub_key).unwrap();
            assert_eq!(secret.as_bytes(), server.secret.as_bytes(), "{hybrid:?}");
        }
    }
}

#[test]
fn aeads_seal_and_open_across_providers() {
    let suites = [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ];
    for (sealer, opener) in both_ways() {
        for suite in suites {
            let seal_aead = sealer.provider.tls13_suite(suite).unwrap().aead;
            let open_aead = opener.provider.tls13_suite(suite).unwrap().aead;
            for (i, len) in [0usize, 1, 15, 16, 17, 255, 1500, 16_385]
                .into_iter()
                .enumerate()
            {
                let key = bytes(seal_aead.key_len(), i as u8);
                let nonce: [u8; 12] = bytes(12, 100 + i as u8).try_into().unwrap();
                let aad = bytes(i * 3, 50);
                let plaintext = bytes(len, 200 + i as u8);
                let mut buf = plaintext.clone();
                let tag = seal_aead
                    .new_key(&key)
                    .unwrap()
                    .seal_in_place(&nonce, &aad, &mut buf)
                    .unwrap();
                // Same ciphertext and tag from the other provider.
                let mut again = plaintext.clone();
                let tag2 = open_aead
                    .new_key(&key)
                    .unwrap()
                    .seal_in_place(&nonce, &aad, &mut again)
                    .unwrap();
                assert_eq!((&buf, tag), (&again, tag2), "{suite:?} len {len}");
                let opening = open_aead.new_key(&key).unwrap();
                let mut opened = buf.clone();
                opening
                    .open_in_place(&nonce, &aad, &mut opened, &tag)
                    .unwrap();
                assert_eq!(opened, plaintext);
                let mut bad_tag = tag;
                bad_tag[15] ^= 0x80;
                let mut tampered = buf.clone();
                assert!(
                    opening
                        .open_in_place(&nonce, &aad, &mut tampered, &bad_tag)
                        .is_err(),
                    "{suite:?} len {len}: {} accepted a bad tag",
                    opener.name
                );
            }
        }
    }
}

#[test]
fn hashes_macs_and_key_derivation_agree() {
    let (p, a) = pair();
    for suite in [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    ] {
        let (ps, as_) = (
            p.provider.tls13_suite(suite).unwrap(),
            a.provider.tls13_suite(suite).unwrap(),
        );
        for (i, len) in [0usize, 3, 64, 127, 128, 129, 5000].into_iter().enumerate() {
            let data = bytes(len, i as u8);
            assert_eq!(ps.hash.hash(&data), as_.hash.hash(&data), "{suite:?}");
            // A transcript hash fed in pieces on one side, at once on the other.
            let mut ctx = ps.hash.start();
            for chunk in data.chunks(7) {
                ctx.update(chunk);
            }
            assert_eq!(ctx.fork_finish(), as_.hash.hash(&data));
            let key = bytes(i * 40, 77);
            let tag = ps.hkdf.hmac().with_key(&key).sign(&[&data]);
            as_.hkdf
                .hmac()
                .with_key(&key)
                .verify(&[&data[..len / 2], &data[len / 2..]], tag.as_bytes())
                .unwrap();
            let (prk_p, prk_a) = (
                ps.hkdf.extract(Some(&key), &data),
                as_.hkdf.extract(Some(&key), &data),
            );
            assert_eq!(prk_p.expose_secret(), prk_a.expose_secret());
            let (mut kp, mut ka) = ([0u8; 32], [0u8; 32]);
            prk_p
                .expand_label(b"key", &data[..len.min(32)], &mut kp)
                .unwrap();
            prk_a
                .expand_label(b"key", &data[..len.min(32)], &mut ka)
                .unwrap();
            assert_eq!(kp, ka, "{suite:?}");
        }
    }
    for (ps, as_) in p
        .provider
        .tls12_cipher_suites
        .iter()
        .zip(&a.provider.tls12_cipher_suites)
    {
        assert_eq!(ps.suite, as_.suite);
        let (mut op, mut oa) = ([0u8; 100], [0u8; 100]);
        ps.prf.prf(b"secret", b"label", b"seed", &mut op);
        as_.prf.prf(b"secret", b"label", b"seed", &mut oa);
        assert_eq!(op, oa, "{:?}", ps.suite);
    }
}

const ALGORITHMS: [KeyAlgorithm; 7] = [
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Ed25519,
    KeyAlgorithm::Rsa,
    KeyAlgorithm::MlDsa44,
    KeyAlgorithm::MlDsa65,
    KeyAlgorithm::MlDsa87,
];

/// A key made by one provider, exported as PKCS#8 (every ML-DSA form), loads in the
/// other through its `KeyProvider` as the same key; each side's signatures verify
/// with the other side's verifiers, and a changed message is refused by both.
#[test]
fn keys_and_signatures_cross_providers() {
    let message = b"TLS 1.3, server CertificateVerify";
    for (maker, user) in both_ways() {
        for alg in ALGORITHMS {
            let key = (maker.generate)(alg).unwrap();
            let forms: &[MlDsaKeyForm] = if alg.is_post_quantum() {
                &[
                    MlDsaKeyForm::Seed,
                    MlDsaKeyForm::Expanded,
                    MlDsaKeyForm::Both,
                ]
            } else {
                &[MlDsaKeyForm::Both]
            };
            for &form in forms {
                let what = format!("{alg:?} {form:?} made by {}", maker.name);
                let der = key.to_pkcs8_der_with_form(form).unwrap();
                let loaded = user
                    .provider
                    .key_provider
                    .load_private_key_der(&der)
                    .unwrap();
                assert_eq!(loaded.public_key_spki(), key.public_key_spki(), "{what}");
                assert_eq!(loaded.algorithm(), alg);
                // The other provider writes the same ML-DSA file back.
                if alg.is_post_quantum() {
                    let again = (user.load_der)(&der).unwrap();
                    assert_eq!(*again.to_pkcs8_der_with_form(form).unwrap(), *der, "{what}");
                }
                for &scheme in key.schemes() {
                    let by_maker = key.sign(scheme, message).unwrap();
                    let by_user = loaded.sign(scheme, message).unwrap();
                    let public_key = key.public_key_raw();
                    for (signature, verifier) in [
                        (&by_maker, user.verifier(scheme)),
                        (&by_user, maker.verifier(scheme)),
                        (&by_user, user.verifier(scheme)),
                    ] {
                        verifier.verify(&public_key, message, signature).unwrap();
                        assert!(
                            verifier
                                .verify(&public_key, b"another message", signature)
                                .is_err(),
                            "{what} {scheme:?}"
                        );
                    }
                }
            }
        }
    }
}

/// ML-DSA and RSA-PSS signatures are randomised (FIPS 204 hedged signing, RFC 8017
/// salts) by both providers: two signatures of one message differ, and both verify.
#[test]
fn randomised_signatures_on_both_providers() {
    for b in common::backends() {
        for (alg, scheme) in [
            (KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65),
            (KeyAlgorithm::Rsa, SignatureScheme::RSA_PSS_RSAE_SHA256),
        ] {
            let key = (b.generate)(alg).unwrap();
            let one = key.sign(scheme, b"m").unwrap();
            let two = key.sign(scheme, b"m").unwrap();
            assert_ne!(one, two, "{}: {alg:?}", b.name);
            for s in [&one, &two] {
                b.verifier(scheme)
                    .verify(&key.public_key_raw(), b"m", s)
                    .unwrap();
            }
        }
    }
}

/// A hostile share gets the same error, and so the same alert, from either provider.
#[test]
fn hostile_shares_get_the_same_error_from_both() {
    let (p, a) = pair();
    for name in ALL_GROUPS {
        let honest = p.group(name).start(OS_RANDOM).unwrap().pub_key().to_vec();
        let mut cases = vec![
            Vec::new(),
            honest[..honest.len() - 1].to_vec(),
            [&honest[..], &[0]].concat(),
            vec![0xff; honest.len()],
            vec![0; honest.len()],
        ];
        let mut flipped = honest.clone();
        flipped[honest.len() / 2] ^= 0x40;
        cases.push(flipped);
        for share in cases {
            let from_p = p.group(name).start_and_complete(&share, OS_RANDOM).err();
            let from_a = a.group(name).start_and_complete(&share, OS_RANDOM).err();
            assert_eq!(from_p, from_a, "{name:?} share of {} bytes", share.len());
        }
    }
}
