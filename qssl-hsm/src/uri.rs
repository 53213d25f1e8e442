//! RFC 7512 `pkcs11:` URIs: which token and which object a key is.
//!
//! A URI is a list of path attributes (`;`-separated, each at most once) and query
//! attributes (`&`-separated), each `name=value` with the value percent-encoded.
//! [`Pkcs11Uri`] keeps every attribute it reads, in order, with its decoded bytes, so
//! that formatting and parsing again gives the same URI; the accessors read the
//! attributes this crate uses (`token`, `object`, `id`, `type`, `slot-id`,
//! `module-path`, `pin-source`, `pin-value`).
//!
//! ```
//! use qssl_hsm::Pkcs11Uri;
//!
//! let uri: Pkcs11Uri = "pkcs11:token=My%20HSM;object=server;id=%01%02;type=private".parse()?;
//! assert_eq!(uri.token()?, Some("My HSM"));
//! assert_eq!(uri.object()?, Some("server"));
//! assert_eq!(uri.id(), Some(&[1u8, 2][..]));
//! assert_eq!(uri.to_string(), "pkcs11:token=My%20HSM;object=server;id=%01%02;type=private");
//! # Ok::<(), qssl_hsm::UriError>(())
//! ```

use core::fmt;
use core::str::FromStr;

/// The longest URI accepted: configuration text, but still bounded.
pub const MAX_URI_LEN: usize = 8192;

/// Why a `pkcs11:` URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The text does not start with `pkcs11:`.
    #[error("does not start with \"pkcs11:\"")]
    NotPkcs11,
    /// Longer than [`MAX_URI_LEN`].
    #[error("longer than {MAX_URI_LEN} bytes")]
    TooLong,
    /// An attribute without `=`, or with an empty name.
    #[error("attribute {0:?} is not name=value")]
    MalformedAttribute(String),
    /// A character RFC 7512 does not allow unencoded in this part.
    #[error("character {0:?} must be percent-encoded")]
    InvalidCharacter(char),
    /// A `%` not followed by two hex digits.
    #[error("bad percent-encoding at byte {0}")]
    BadPercentEncoding(usize),
    /// A path attribute given twice (RFC 7512 §2.3: at most once).
    #[error("path attribute {0:?} appears twice")]
    DuplicateAttribute(String),
    /// A text attribute whose value is not UTF-8.
    #[error("attribute {0:?} is not UTF-8")]
    NotUtf8(&'static str),
    /// `slot-id` that is not a decimal number.
    #[error("slot-id is not a decimal number")]
    BadSlotId,
    /// `type` other than `private` where a signing key is named.
    #[error("type={0:?} names no private key")]
    NotPrivateKey(String),
    /// A PIN inside the URI (`pin-value`) or a PIN source it names: refused, the PIN
    /// comes from the environment or a file the operator names instead.
    #[error("{0} in the URI is refused: give the PIN through QSSL_PKCS11_PIN or a PIN file")]
    PinInUri(&'static str),
    /// Names neither an object label nor an id: no key to find.
    #[error("names no key (neither object= nor id=)")]
    NoObject,
}

/// A parsed `pkcs11:` URI (RFC 7512).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pkcs11Uri {
    path: Vec<(String, Vec<u8>)>,
    query: Vec<(String, Vec<u8>)>,
}

impl Pkcs11Uri {
    /// An empty URI (`pkcs11:`), to add attributes to.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a path attribute (replacing an earlier value of that name).
    pub fn set_path_attribute(&mut self, name: &str, value: &[u8]) -> &mut Self {
        match self.path.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.to_vec(),
            None => self.path.push((name.to_owned(), value.to_vec())),
        }
        self
    }

    /// Adds a query attribute.
    pub fn add_query_attribute(&mut self, name: &str, value: &[u8]) -> &mut Self {
        self.query.push((name.to_owned(), value.to_vec()));
        self
    }

    /// The decoded value of path attribute `name`.
    pub fn path_attribute(&self, name: &str) -> Option<&[u8]> {
        self.path
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The decoded value of the first query attribute `name`.
    pub fn query_attribute(&self, name: &str) -> Option<&[u8]> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    fn text(&self, name: &'static str, query: bool) -> Result<Option<&str>, UriError> {
        let v = if query {
            self.query_attribute(name)
        } else {
            self.path_attribute(name)
        };
        v.map(|v| core::str::from_utf8(v).map_err(|_| UriError::NotUtf8(name)))
            .transpose()
    }

    /// `token`: the token label.
    pub fn token(&self) -> Result<Option<&str>, UriError> {
        self.text("token", false)
    }

    /// `object`: the object label (`CKA_LABEL`).
    pub fn object(&self) -> Result<Option<&str>, UriError> {
        self.text("object", false)
    }

    /// `id`: the object id (`CKA_ID`), raw bytes.
    pub fn id(&self) -> Option<&[u8]> {
        self.path_attribute("id")
    }

    /// `type` (`private`, `public`, `cert`, `secret-key`, `data`).
    pub fn object_type(&self) -> Result<Option<&str>, UriError> {
        self.text("type", false)
    }

    /// `slot-id`, a decimal `CK_SLOT_ID`.
    pub fn slot_id(&self) -> Result<Option<u64>, UriError> {
        match self.text("slot-id", false)? {
            None => Ok(None),
            Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().map(Some).map_err(|_| UriError::BadSlotId)
            }
            Some(_) => Err(UriError::BadSlotId),
        }
    }

    /// `module-path` (query): the PKCS#11 library to load.
    pub fn module_path(&self) -> Result<Option<&str>, UriError> {
        self.text("module-path", true)
    }

    /// Checks that the URI names one private key and carries no PIN: `object` or
    /// `id` present, `type` absent or `private`, no `pin-value` or `pin-source`.
    pub fn check_private_key(&self) -> Result<(), UriError> {
        if self.query_attribute("pin-value").is_some() {
            return Err(UriError::PinInUri("pin-value"));
        }
        if self.query_attribute("pin-source").is_some() {
            return Err(UriError::PinInUri("pin-source"));
        }
        match self.object_type()? {
            None | Some("private") => {}
            Some(other) => return Err(UriError::NotPrivateKey(other.to_owned())),
        }
        self.object()?;
        self.slot_id()?;
        if self.object()?.is_none() && self.id().is_none() {
            return Err(UriError::NoObject);
        }
        Ok(())
    }

    /// The path attributes in order, decoded.
    pub fn path_attributes(&self) -> &[(String, Vec<u8>)] {
        &self.path
    }

    /// The query attributes in order, decoded.
    pub fn query_attributes(&self) -> &[(String, Vec<u8>)] {
        &self.query
    }
}

/// RFC 3986 unreserved characters.
fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// Characters RFC 7512 §2.3 allows unencoded in a path value (`pk11-p-res-avail`).
fn path_char(c: u8) -> bool {
    unreserved(c)
        || matches!(
            c,
            b':' | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b'&'
        )
}

/// Characters RFC 7512 §2.3 allows unencoded in a query value (`pk11-q-res-avail`).
fn query_char(c: u8) -> bool {
    unreserved(c)
        || matches!(
            c,
            b':' | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b'/'
                | b'?'
                | b'|'
        )
}

/// What we write unencoded: the allowed characters minus the separators, so the
/// output reads back the same in any parser.
fn keep_path(c: u8) -> bool {
    path_char(c) && !matches!(c, b'=' | b'&')
}

fn keep_query(c: u8) -> bool {
    query_char(c) && !matches!(c, b'=' | b'?')
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes one attribute value; `offset` is its position in the whole URI, for errors.
fn decode(s: &str, allowed: fn(u8) -> bool, offset: usize) -> Result<Vec<u8>, UriError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
                return Err(UriError::BadPercentEncoding(offset + i));
            };
            match (hex(h), hex(l)) {
                (Some(h), Some(l)) => out.push(h << 4 | l),
                _ => return Err(UriError::BadPercentEncoding(offset + i)),
            }
            i += 3;
        } else if allowed(c) {
            out.push(c);
            i += 1;
        } else {
            // `s` is a &str, so the char at i is whole.
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            return Err(UriError::InvalidCharacter(ch));
        }
    }
    Ok(out)
}

fn attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

fn parse_attributes(
    part: &str,
    separator: char,
    allowed: fn(u8) -> bool,
    mut offset: usize,
    unique: bool,
) -> Result<Vec<(String, Vec<u8>)>, UriError> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    if part.is_empty() {
        return Ok(out);
    }
    for attr in part.split(separator) {
        let Some((name, value)) = attr.split_once('=') else {
            return Err(UriError::MalformedAttribute(attr.to_owned()));
        };
        if !attribute_name(name) {
            return Err(UriError::MalformedAttribute(attr.to_owned()));
        }
        if unique && out.iter().any(|(n, _)| n == name) {
            return Err(UriError::DuplicateAttribute(name.to_owned()));
        }
        let value = decode(value, allowed, offset + name.len() + 1)?;
        out.push((name.to_owned(), value));
        offset += attr.len() + 1;
    }
    Ok(out)
}

impl FromStr for Pkcs11Uri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, UriError> {
        if s.len() > MAX_URI_LEN {
            return Err(UriError::TooLong);
        }
        let scheme_len = "pkcs11:".len();
        // `get` rather than indexing: byte 7 may fall inside a multi-byte character.
        let (Some(scheme), Some(rest)) = (s.get(..scheme_len), s.get(scheme_len..)) else {
            return Err(UriError::NotPkcs11);
        };
        if !scheme.eq_ignore_ascii_case("pkcs11:") {
            return Err(UriError::NotPkcs11);
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let path = parse_attributes(path, ';', path_char, scheme_len, true)?;
        let query = match query {
            Some(q) => parse_attributes(q, '&', query_char, s.len() - q.len(), false)?,
            None => Vec::new(),
        };
        Ok(Self { path, query })
    }
}

fn encode(out: &mut fmt::Formatter<'_>, value: &[u8], keep: fn(u8) -> bool) -> fmt::Result {
    for &c in value {
        if keep(c) {
            write!(out, "{}", c as char)?;
        } else {
            write!(out, "%{c:02X}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pkcs11:")?;
        for (i, (name, value)) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{name}=")?;
            encode(f, value, keep_path)?;
        }
        for (i, (name, value)) in self.query.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            write!(f, "{name}=")?;
            encode(f, value, keep_query)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        for bad in [
            "",
            "pkcs11",
            "http:token=a",
            "pkcs11:token",
            "pkcs11:=a",
            "pkcs11:token=a;token=b",
            "pkcs11:id=%0",
            "pkcs11:id=%zz",
            "pkcs11:token=a b",
            "pkcs11:token=\u{e9}",
            "pkcs11:object=a/b",
            "pkcs11:token=a?pin-value",
            "pkcs11:;",
        ] {
            assert!(bad.parse::<Pkcs11Uri>().is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            "x".repeat(MAX_URI_LEN + 1).parse::<Pkcs11Uri>(),
            Err(UriError::TooLong)
        );
    }

    #[test]
    fn private_key_checks() {
        let ok: Pkcs11Uri = "pkcs11:object=k".parse().unwrap();
        assert_eq!(ok.check_private_key(), Ok(()));
        let cert: Pkcs11Uri = "pkcs11:object=k;type=cert".parse().unwrap();
        assert_eq!(
            cert.check_private_key(),
            Err(UriError::NotPrivateKey("cert".into()))
        );
        let pin: Pkcs11Uri = "pkcs11:object=k?pin-value=1234".parse().unwrap();
        assert_eq!(
            pin.check_private_key(),
            Err(UriError::PinInUri("pin-value"))
        );
        let none: Pkcs11Uri = "pkcs11:token=t".parse().unwrap();
        assert_eq!(none.check_private_key(), Err(UriError::NoObject));
        let slot: Pkcs11Uri = "pkcs11:object=k;slot-id=x1".parse().unwrap();
        assert_eq!(slot.check_private_key(), Err(UriError::BadSlotId));
    }
}
