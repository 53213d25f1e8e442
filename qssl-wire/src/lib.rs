//! The wire vocabulary of Q-SSL: what every layer (alerts, crypto identifiers,
//! records, handshake) names the same way, in a leaf crate with no dependencies.
//!
//! - [`wire_enum!`]: the one way a TLS code point is declared. Each is an *open*
//!   newtype over its wire integer — a value no constant names (a code point from a
//!   newer RFC, a GREASE value) survives decode → encode and prints as
//!   `Type(0x…)` rather than being refused: what to accept is the protocol's
//!   decision, never the codec's. Every such type has the same API: associated
//!   constants, [`name`](ContentType::name) (the IANA spelling, or the one OpenSSL
//!   uses where the registry has none), `from_name` (ASCII case-insensitive),
//!   `KNOWN`, and `Debug` = `Display` = the name or the zero-padded hex.
//! - [`ProtocolVersion`] (the open 16-bit version field of records and hellos) and
//!   [`TlsVersion`] (the closed set of versions Q-SSL negotiates, for exhaustive
//!   matching on version-specific rules).
//! - [`ContentType`], the record layer's type byte.
//! - [`codec`]: length-prefixed vectors (RFC 8446 §3.4), read with bounds checked
//!   before allocation and written without ever emitting a wrong length.
//!
//! ```
//! use qssl_wire::{ContentType, ProtocolVersion, TlsVersion, wire_enum};
//!
//! wire_enum! {
//!     /// A made-up registry, to show the shape.
//!     Colour(u16) {
//!         /// The first entry.
//!         RED = 0x0001, "red";
//!         /// The second entry.
//!         GREEN = 0x0002, "green";
//!     }
//! }
//!
//! assert_eq!(Colour::from_name("GREEN"), Some(Colour::GREEN));
//! assert_eq!(Colour::RED.to_string(), "red");
//! // An unknown value is kept and printed in hex, never refused.
//! assert_eq!(format!("{:?}", Colour(0x0a0a)), "Colour(0x0a0a)");
//! assert_eq!(Colour::KNOWN, &[Colour::RED, Colour::GREEN]);
//!
//! assert_eq!(ContentType::HANDSHAKE.to_string(), "handshake");
//! assert_eq!(TlsVersion::try_from(ProtocolVersion::TLSV1_3), Ok(TlsVersion::Tls13));
//! assert!(TlsVersion::try_from(ProtocolVersion::TLSV1_1).is_err());
//! ```

#![forbid(unsafe_code)]
#![no_std]

extern crate alloc;

pub mod codec;
mod types;

pub use types::{ContentType, ProtocolVersion, TlsVersion, UnsupportedVersion};

/// Declares an open newtype over a wire integer with named constants.
///
/// ```
/// qssl_wire::wire_enum! {
///     /// `enum { ... (255) } Example;`
///     Example(u8) {
///         /// Zero.
///         ZERO = 0, "zero";
///     }
/// }
/// assert_eq!(Example::ZERO.name(), Some("zero"));
/// assert_eq!(Example(7).name(), None);
/// assert_eq!(Example(7).to_string(), "Example(0x07)");
/// ```
///
/// The integer is public (`Type(pub int)`): constructing any value is allowed and
/// expected, since that is what decoding does.
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$tdoc:meta])* $ty:ident($int:ty) {
            $($(#[$doc:meta])* $konst:ident = $code:literal, $name:literal;)*
        }
    ) => {
        $(#[$tdoc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $int);

        impl $ty {
            $($(#[$doc])* pub const $konst: Self = Self($code);)*

            /// Every value with a name, in declaration order.
            pub const KNOWN: &'static [Self] = &[$(Self::$konst),*];

            /// The registered name, or `None` for a value without one here.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some($name),)*
                    _ => None,
                }
            }

            /// The value whose [`name`](Self::name) is `name`, ignoring ASCII case.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::KNOWN
                    .iter()
                    .copied()
                    .find(|v| v.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            }
        }

        impl ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(
                        f,
                        concat!(stringify!($ty), "(0x{:0w$x})"),
                        self.0,
                        w = 2 * ::core::mem::size_of::<$int>()
                    ),
                }
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(self, f)
            }
        }

        impl From<$int> for $ty {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }

        impl From<$ty> for $int {
            fn from(v: $ty) -> Self {
                v.0
            }
        }
    };
}
