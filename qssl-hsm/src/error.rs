//! The one error type of `qssl-hsm`, and how it reaches a handshake.

use std::path::PathBuf;

use qssl_crypto::error::CryptoError;
use qssl_crypto::sign::KeyAlgorithm;

/// Why a token, a key or a signature on it was not available.
///
/// Each failure an operator has to act on differently has its own variant: a wrong
/// PIN is retyped, a locked PIN needs the security officer, a missing mechanism needs
/// another token, a mismatched certificate needs the right key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HsmError {
    /// The PKCS#11 module (shared library) did not load or did not initialise.
    #[error("cannot load the PKCS#11 module {path}: {reason}")]
    ModuleLoad {
        /// The library path given.
        path: PathBuf,
        /// What the loader or `C_Initialize` said.
        reason: String,
    },
    /// No slot holds a token with this label or slot id.
    #[error("no PKCS#11 token {wanted} (tokens present: {present})")]
    TokenNotFound {
        /// The label or slot asked for.
        wanted: String,
        /// The labels of the tokens that are present, for the operator.
        present: String,
    },
    /// `C_Login` said CKR_PIN_INCORRECT.
    #[error("wrong PIN for PKCS#11 token {token:?} (CKR_PIN_INCORRECT)")]
    WrongPin {
        /// The token's label.
        token: String,
    },
    /// `C_Login` said CKR_PIN_LOCKED: too many wrong PINs, the security officer must
    /// unlock it.
    #[error("the user PIN of PKCS#11 token {token:?} is locked (CKR_PIN_LOCKED)")]
    PinLocked {
        /// The token's label.
        token: String,
    },
    /// No private key matches the label, id or URI.
    #[error("no private key {wanted} on PKCS#11 token {token:?}")]
    KeyNotFound {
        /// How the key was asked for.
        wanted: String,
        /// The token's label.
        token: String,
    },
    /// More than one private key matches: signing with an arbitrary one of them
    /// would be a guess.
    #[error("{count} private keys match {wanted} on PKCS#11 token {token:?}; name one by id")]
    AmbiguousKey {
        /// How the key was asked for.
        wanted: String,
        /// How many matched.
        count: usize,
        /// The token's label.
        token: String,
    },
    /// The token does not list the mechanism this key algorithm signs with.
    #[error("PKCS#11 token {token:?} lacks {mechanism}, needed for {algorithm:?} keys")]
    MissingMechanism {
        /// The key algorithm.
        algorithm: KeyAlgorithm,
        /// The mechanism name (e.g. `CKM_ML_DSA`).
        mechanism: &'static str,
        /// The token's label.
        token: String,
    },
    /// The key on the token is not the key of the certificate it is configured with.
    #[error("the key {key} on PKCS#11 token {token:?} does not match the certificate: {detail}")]
    CertificateMismatch {
        /// How the key was asked for.
        key: String,
        /// The token's label.
        token: String,
        /// What differs (algorithm or public key).
        detail: &'static str,
    },
    /// A key of a type (or curve) this crate does not sign with.
    #[error("unsupported key on the PKCS#11 token: {0}")]
    UnsupportedKey(String),
    /// The certificate given does not parse, or names an algorithm we do not sign with.
    #[error("bad certificate for a PKCS#11 key: {0}")]
    BadCertificate(&'static str),
    /// The token was removed, the module finalised, the device failed, or the
    /// session (or its login, or the key handle) was lost; a call that fails so is
    /// retried once on a fresh session before this is reported.
    #[error("PKCS#11 token removed, session lost or device error during {during}: {rv}")]
    TokenGone {
        /// The PKCS#11 function that failed.
        during: String,
        /// The return value.
        rv: String,
    },
    /// Every session of the pool stayed busy for the whole wait.
    #[error("no PKCS#11 session became free within {0:?}")]
    PoolTimeout(std::time::Duration),
    /// A `pkcs11:` URI did not parse or asks for something refused.
    #[error("PKCS#11 URI: {0}")]
    Uri(#[from] crate::uri::UriError),
    /// The PIN could not be read from its environment variable or file.
    #[error("cannot read the PKCS#11 PIN from {source_name}: {reason}")]
    PinSource {
        /// The variable or file named.
        source_name: String,
        /// What went wrong.
        reason: String,
    },
    /// Any other PKCS#11 failure, with the function and return value.
    #[error("PKCS#11 {0}")]
    Pkcs11(String),
}

impl HsmError {
    /// The `CryptoError` a signing failure becomes inside the handshake, which ends
    /// the connection with internal_error. `CryptoError` is `Copy` and carries only a
    /// static name, so each kind keeps its own fixed message.
    pub fn to_crypto_error(&self) -> CryptoError {
        CryptoError::SigningFailed(match self {
            Self::ModuleLoad { .. } => "PKCS#11 (module not loaded)",
            Self::TokenNotFound { .. } => "PKCS#11 (token not found)",
            Self::WrongPin { .. } => "PKCS#11 (wrong PIN)",
            Self::PinLocked { .. } => "PKCS#11 (PIN locked)",
            Self::KeyNotFound { .. } | Self::AmbiguousKey { .. } => "PKCS#11 (key not found)",
            Self::MissingMechanism { .. } => "PKCS#11 (mechanism missing on the token)",
            Self::CertificateMismatch { .. } => "PKCS#11 (key does not match the certificate)",
            Self::UnsupportedKey(_) | Self::BadCertificate(_) => "PKCS#11 (unsupported key)",
            Self::TokenGone { .. } => "PKCS#11 (token removed or device error)",
            Self::PoolTimeout(_) => "PKCS#11 (all sessions busy)",
            Self::Uri(_) | Self::PinSource { .. } => "PKCS#11 (configuration)",
            Self::Pkcs11(_) => "PKCS#11",
        })
    }

    /// Whether the session the call ran on should be thrown away (and the call
    /// retried on a fresh one, if the token is still there).
    pub(crate) fn breaks_session(&self) -> bool {
        matches!(self, Self::TokenGone { .. })
    }
}

impl From<HsmError> for CryptoError {
    fn from(e: HsmError) -> Self {
        e.to_crypto_error()
    }
}

/// Classifies a cryptoki error from a call that needs no PIN.
pub(crate) fn classify(e: cryptoki::error::Error, token: &str) -> HsmError {
    use cryptoki::error::{Error as E, RvError as Rv};
    match e {
        E::Pkcs11(rv, function) => match rv {
            Rv::PinIncorrect | Rv::PinInvalid | Rv::PinLenRange => HsmError::WrongPin {
                token: token.to_owned(),
            },
            Rv::PinLocked => HsmError::PinLocked {
                token: token.to_owned(),
            },
            Rv::DeviceRemoved
            | Rv::DeviceError
            | Rv::TokenNotPresent
            | Rv::TokenNotRecognized
            | Rv::SlotIdInvalid
            | Rv::CryptokiNotInitialized
            | Rv::SessionHandleInvalid
            | Rv::SessionClosed
            | Rv::UserNotLoggedIn
            | Rv::KeyHandleInvalid
            | Rv::ObjectHandleInvalid
            | Rv::GeneralError => HsmError::TokenGone {
                during: format!("{function}"),
                rv: format!("{rv:?}"),
            },
            _ => HsmError::Pkcs11(format!("{function}: {rv:?}")),
        },
        other => HsmError::Pkcs11(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;
    use cryptoki::error::{Error as E, RvError as Rv};

    // SoftHSM2 never locks a PIN (the token tests cannot reach CKR_PIN_LOCKED), so
    // the return-value mapping is checked here, value by value.
    #[test]
    fn return_values_map_to_their_own_variants() {
        let map = |rv, f| classify(E::Pkcs11(rv, f), "t");
        assert!(matches!(
            map(Rv::PinIncorrect, Function::Login),
            HsmError::WrongPin { .. }
        ));
        assert!(matches!(
            map(Rv::PinLocked, Function::Login),
            HsmError::PinLocked { .. }
        ));
        for rv in [
            Rv::DeviceRemoved,
            Rv::DeviceError,
            Rv::TokenNotPresent,
            Rv::CryptokiNotInitialized,
            Rv::SessionHandleInvalid,
            Rv::SessionClosed,
        ] {
            let e = map(rv, Function::Sign);
            assert!(matches!(e, HsmError::TokenGone { .. }), "{rv:?}");
            assert!(e.breaks_session());
        }
        let other = map(Rv::MechanismInvalid, Function::SignInit);
        assert!(matches!(other, HsmError::Pkcs11(_)));
        // A refusal that says nothing about the session does not throw it away.
        assert!(!other.breaks_session());
        let locked = map(Rv::PinLocked, Function::Login);
        assert!(!locked.breaks_session());
        assert_eq!(
            locked.to_string(),
            "the user PIN of PKCS#11 token \"t\" is locked (CKR_PIN_LOCKED)"
        );
        assert_eq!(
            CryptoError::from(locked),
            CryptoError::SigningFailed("PKCS#11 (PIN locked)")
        );
    }
}
