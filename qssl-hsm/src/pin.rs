//! The user PIN: held in zeroizing memory, read from an environment variable or a
//! file, never from a command-line argument (which every user of the machine can see
//! in the process list).

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::HsmError;

/// A token's user PIN. Wiped on drop; prints as `Pin([REDACTED])`.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Takes a PIN the caller already holds.
    pub fn new(pin: Zeroizing<String>) -> Self {
        Self(pin)
    }

    /// Reads the PIN from the environment variable `name` (e.g. `QSSL_PKCS11_PIN`).
    pub fn from_env(name: &str) -> Result<Self, HsmError> {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Self(Zeroizing::new(v))),
            Ok(_) => Err(HsmError::PinSource {
                source_name: format!("${name}"),
                reason: "the variable is empty".into(),
            }),
            Err(e) => Err(HsmError::PinSource {
                source_name: format!("${name}"),
                reason: e.to_string(),
            }),
        }
    }

    /// Reads the PIN from the first line of the file at `path` (the line end is not
    /// part of the PIN).
    pub fn from_file(path: &Path) -> Result<Self, HsmError> {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| HsmError::PinSource {
            source_name: path.display().to_string(),
            reason: e.to_string(),
        })?);
        let text = std::str::from_utf8(&bytes).map_err(|_| HsmError::PinSource {
            source_name: path.display().to_string(),
            reason: "not UTF-8".into(),
        })?;
        let line = text.split(['\n', '\r']).next().unwrap_or_default();
        if line.is_empty() {
            return Err(HsmError::PinSource {
                source_name: path.display().to_string(),
                reason: "the first line is empty".into(),
            });
        }
        Ok(Self(Zeroizing::new(line.to_owned())))
    }

    /// The PIN as cryptoki takes it (a `secrecy` box, itself wiped on drop).
    pub(crate) fn auth_pin(&self) -> cryptoki::types::AuthPin {
        cryptoki::types::AuthPin::from(self.0.as_str())
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_pin_is_the_first_line_and_debug_hides_it() {
        let dir = std::env::temp_dir().join(format!("qssl-hsm-pin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pin");
        std::fs::write(&path, "12345\nignored\n").unwrap();
        let pin = Pin::from_file(&path).unwrap();
        assert_eq!(pin.0.as_str(), "12345");
        assert_eq!(format!("{pin:?}"), "Pin([REDACTED])");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(
            Pin::from_file(&path),
            Err(HsmError::PinSource { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_variable_is_a_pin_source_error() {
        assert!(matches!(
            Pin::from_env("QSSL_HSM_TEST_SURELY_UNSET_VARIABLE"),
            Err(HsmError::PinSource { .. })
        ));
    }
}
