//! Hostile shares: truncated, lengthened and random shares are refused with
//! the right `KeyShareError`, on both sides, and never panic; an ML-KEM
//! encapsulation key with any coefficient ≥ q is refused. Every case runs on
//! every provider's groups, which must give the same error.

mod common;

use proptest::prelude::*;
use qssl_crypto::error::CryptoError;
use qssl_crypto::kx::{KeyShareError, NamedGroup, SupportedKxGroup};
use qssl_crypto::rand::OS_RANDOM;

/// Group `name` of every provider.
fn each(name: NamedGroup) -> Vec<&'static dyn SupportedKxGroup> {
    common::backends().iter().map(|b| b.group(name)).collect()
}

/// The groups in preference order (the same in every provider).
const GROUPS: [NamedGroup; 8] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP384R1MLKEM1024,
    NamedGroup::SECP256R1MLKEM768,
    NamedGroup::MLKEM1024,
    NamedGroup::MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP384R1,
    NamedGroup::SECP256R1,
];

/// An honest client share and server share for `group`.
fn honest(group: &dyn SupportedKxGroup) -> (Vec<u8>, Vec<u8>) {
    let client = group.start(OS_RANDOM).unwrap();
    let server = group
        .start_and_complete(client.pub_key(), OS_RANDOM)
        .unwrap();
    (client.pub_key().to_vec(), server.pub_key)
}

fn is_wrong_length(r: &Result<impl Sized, CryptoError>, group: NamedGroup, got: usize) -> bool {
    matches!(
        r,
        Err(CryptoError::InvalidKeyShare(KeyShareError::WrongLength { group: g, got: n, .. }))
            if *g == group && *n == got
    )
}

fn any_group() -> impl Strategy<Value = NamedGroup> {
    (0..GROUPS.len()).prop_map(|i| GROUPS[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Cutting or extending a share by any amount is `WrongLength` naming the
    /// group that was asked, on the server (client share) and the client
    /// (server share).
    #[test]
    fn wrong_lengths_refused(
        name in any_group(),
        cut in 1usize..2000,
        extra in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        for group in each(name) {
            let (client_share, server_share) = honest(group);

            let short = &client_share[..client_share.len().saturating_sub(cut)];
            let r = group.start_and_complete(short, OS_RANDOM);
            prop_assert!(is_wrong_length(&r, group.name(), short.len()), "{r:?}");
            let long = [&client_share[..], &extra].concat();
            let r = group.start_and_complete(&long, OS_RANDOM);
            prop_assert!(is_wrong_length(&r, group.name(), long.len()), "{r:?}");

            let short = &server_share[..server_share.len().saturating_sub(cut)];
            let r = group.start(OS_RANDOM).unwrap().complete(short);
            prop_assert!(is_wrong_length(&r, group.name(), short.len()), "{r:?}");
            let long = [&server_share[..], &extra].concat();
            let r = group.start(OS_RANDOM).unwrap().complete(&long);
            prop_assert!(is_wrong_length(&r, group.name(), long.len()), "{r:?}");
        }
    }

    /// Random bytes of any length never panic.
    #[test]
    fn random_bytes_never_panic(name in any_group(), share in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for group in each(name) {
            let _ = group.start_and_complete(&share, OS_RANDOM);
            let _ = group.start(OS_RANDOM).unwrap().complete(&share);
        }
    }

    /// Random bytes of the right length, per family: X25519 accepts any
    /// u-coordinate (RFC 7748) unless the output is zero; a random NIST share
    /// is refused for its tag byte or for lying off the curve; a random
    /// ML-KEM key is refused by the modulus check (each of its 512+
    /// coefficients is ≥ q with probability 767/4096).
    #[test]
    fn random_shares_of_right_length(bytes in proptest::collection::vec(any::<u8>(), 1568..=1568)) {
        for b in common::backends() {
            let r = b.group(NamedGroup::X25519).start_and_complete(&bytes[..32], OS_RANDOM);
            prop_assert!(
                r.is_ok() || matches!(r, Err(CryptoError::InvalidKeyShare(KeyShareError::X25519ZeroOutput))),
                "{}: {r:?}", b.name
            );
            for (group, len) in [(NamedGroup::SECP256R1, 65), (NamedGroup::SECP384R1, 97)] {
                let r = b.group(group).start_and_complete(&bytes[..len], OS_RANDOM);
                let want = if bytes[0] == 4 { KeyShareError::PointNotOnCurve } else { KeyShareError::PointNotUncompressed };
                prop_assert_eq!(r.unwrap_err(), CryptoError::InvalidKeyShare(want), "{}", b.name);
            }
            for (group, len) in [(NamedGroup::MLKEM768, 1184), (NamedGroup::MLKEM1024, 1568)] {
                let r = b.group(group).start_and_complete(&bytes[..len], OS_RANDOM);
                prop_assert_eq!(r.unwrap_err(), CryptoError::InvalidKeyShare(KeyShareError::MlKemKeyNotReduced), "{}", b.name);
            }
        }
    }

    /// Any single coefficient set to a value in [q, 4096) makes the key fail
    /// FIPS 203 §7.2, in the pure groups and inside every hybrid.
    #[test]
    fn mlkem_unreduced_coefficient_refused(which in 0usize..5, index in 0usize..1024, value in 3329u16..4096) {
        // (group, offset of ek in the client share, k)
        let (name, offset, k) = [
            (NamedGroup::MLKEM768, 0, 3),
            (NamedGroup::MLKEM1024, 0, 4),
            (NamedGroup::X25519MLKEM768, 0, 3),
            (NamedGroup::SECP256R1MLKEM768, 65, 3),
            (NamedGroup::SECP384R1MLKEM1024, 97, 4),
        ][which];
        for group in each(name) {
            let (mut share, _) = honest(group);
            let i = index % (256 * k);
            let at = offset + (i / 2) * 3;
            if i % 2 == 0 {
                share[at] = value as u8;
                share[at + 1] = (share[at + 1] & 0xF0) | (value >> 8) as u8;
            } else {
                share[at + 1] = (share[at + 1] & 0x0F) | ((value & 0x0F) << 4) as u8;
                share[at + 2] = (value >> 4) as u8;
            }
            let r = group.start_and_complete(&share, OS_RANDOM);
            prop_assert_eq!(r.unwrap_err(), CryptoError::InvalidKeyShare(KeyShareError::MlKemKeyNotReduced));
        }
    }

    /// A NIST point with its tag byte changed (compressed 0x02/0x03, hybrid
    /// 0x06/0x07, anything else) is refused as not uncompressed, also when
    /// it sits inside a hybrid share.
    #[test]
    fn point_tag_byte_checked(tag in any::<u8>().prop_filter("not 0x04", |t| *t != 4), which in 0usize..4) {
        let name = [
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1,
            NamedGroup::SECP256R1MLKEM768,
            NamedGroup::SECP384R1MLKEM1024,
        ][which];
        for group in each(name) {
            let (mut client_share, mut server_share) = honest(group);
            client_share[0] = tag;
            prop_assert_eq!(
                group.start_and_complete(&client_share, OS_RANDOM).unwrap_err(),
                CryptoError::InvalidKeyShare(KeyShareError::PointNotUncompressed)
            );
            server_share[0] = tag;
            prop_assert_eq!(
                group.start(OS_RANDOM).unwrap().complete(&server_share).unwrap_err(),
                CryptoError::InvalidKeyShare(KeyShareError::PointNotUncompressed)
            );
        }
    }

    /// Flipping a bit of a point's y coordinate moves it off the curve.
    #[test]
    fn point_off_curve(which in 0usize..2, byte in 0usize..32, bit in 0u8..8) {
        let (name, field) = [(NamedGroup::SECP256R1, 32usize), (NamedGroup::SECP384R1, 48)][which];
        for group in each(name) {
            let (mut share, _) = honest(group);
            share[1 + field + byte] ^= 1 << bit;
            prop_assert_eq!(
                group.start_and_complete(&share, OS_RANDOM).unwrap_err(),
                CryptoError::InvalidKeyShare(KeyShareError::PointNotOnCurve)
            );
            // The client side refuses it the same way.
            prop_assert_eq!(
                group.start(OS_RANDOM).unwrap().complete(&share).unwrap_err(),
                CryptoError::InvalidKeyShare(KeyShareError::PointNotOnCurve)
            );
        }
    }
}

/// Low-order X25519 points (RFC 7748 §6.1 / Wycheproof) give an all-zero
/// output: refused alone and inside X25519MLKEM768, on both sides.
#[test]
fn x25519_low_order_points_refused() {
    let low_order: [[u8; 32]; 3] = [
        [0; 32],
        {
            let mut p = [0; 32];
            p[0] = 1;
            p
        },
        // Order 8 point from the curve25519 low-order list.
        hex_literal(b"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    ];
    let zero = CryptoError::InvalidKeyShare(KeyShareError::X25519ZeroOutput);
    for b in common::backends() {
        let (x25519, hybrid) = (
            b.group(NamedGroup::X25519),
            b.group(NamedGroup::X25519MLKEM768),
        );
        low_order_points_refused_by(x25519, hybrid, &low_order, zero);
    }
}

fn low_order_points_refused_by(
    x25519: &dyn SupportedKxGroup,
    hybrid: &dyn SupportedKxGroup,
    low_order: &[[u8; 32]],
    zero: CryptoError,
) {
    for &p in low_order {
        assert_eq!(x25519.start_and_complete(&p, OS_RANDOM).unwrap_err(), zero);
        assert_eq!(
            x25519.start(OS_RANDOM).unwrap().complete(&p).unwrap_err(),
            zero
        );

        let (client_share, server_share) = honest(hybrid);
        let client_share = [&client_share[..1184], &p].concat();
        assert_eq!(
            hybrid
                .start_and_complete(&client_share, OS_RANDOM)
                .unwrap_err(),
            zero
        );
        let server_share = [&server_share[..1088], &p].concat();
        assert_eq!(
            hybrid
                .start(OS_RANDOM)
                .unwrap()
                .complete(&server_share)
                .unwrap_err(),
            zero
        );
    }
}

fn hex_literal(h: &[u8; 64]) -> [u8; 32] {
    hex::decode(h).unwrap().try_into().unwrap()
}
