//! Private key and certificate file loading: the input as DER (PKCS#8, PKCS#1,
//! SEC1) and, when it is text, as PEM (keys, certificate chains, any blocks).
//! A key that loads must survive PKCS#8 export and reload with the same public key;
//! a PEM block re-encoded must read back as the same block.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_crypto::error::CryptoError;
use qssl_crypto::keys::{KeyFormatError, PrivateKey, load_private_key_der, load_private_key_pem};
use qssl_crypto::pki::{pem_blocks, pem_certificates, pem_encode};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};

fn round_trip(key: &PrivateKey) {
    let der = key.to_pkcs8_der().expect("a loaded key exports");
    match load_private_key_der(&der) {
        Ok(again) => {
            assert_eq!(again.algorithm(), key.algorithm());
            assert_eq!(again.public_key_spki(), key.public_key_spki());
        }
        // Known gap: an expanded-only ML-DSA key is checked at load by one (hedged,
        // so random) sign-and-verify, which a corrupted t0 passes some of the time; t0
        // cannot be recomputed through ml-dsa 0.1's API. The same bytes may then fail
        // that check on reload. Any other reload failure is a bug.
        Err(CryptoError::MalformedKey(KeyFormatError::PublicKeyMismatch))
            if matches!(
                key.algorithm(),
                KeyAlgorithm::MlDsa44 | KeyAlgorithm::MlDsa65 | KeyAlgorithm::MlDsa87
            ) => {}
        Err(e) => panic!("our own PKCS#8 does not load: {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = load_private_key_der(data) {
        round_trip(&key);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = load_private_key_pem(text) {
        round_trip(&key);
    }
    if let Ok(certs) = pem_certificates(text) {
        assert!(certs.iter().all(|c| !c.is_empty()));
    }
    if let Ok(blocks) = pem_blocks(text) {
        for block in blocks {
            let pem = pem_encode(&block.label, &block.der);
            let again = pem_blocks(&pem).expect("our own PEM reads back");
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].label, block.label);
            assert_eq!(again[0].der, block.der);
        }
    }
});
