//! The `pkcs11:` URI codec: the examples of RFC 7512 §4 as known answers, round
//! trips, truncations and garbage.

use proptest::prelude::*;
use qssl_hsm::{Pkcs11Uri, UriError};

/// Every example URI of RFC 7512 §4, as printed there (line breaks joined).
const RFC7512_EXAMPLES: &[&str] = &[
    "pkcs11:",
    "pkcs11:object=my-pubkey;type=public",
    "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
    "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;\
     model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=\
     ?pin-source=file:/etc/token_pin",
    "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
    "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
    "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.\
     ?pin-value=the-pin",
    "pkcs11:slot-description=Sun%20Metaslot",
    "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;\
     library-version=1.23",
    "pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;\
     id=%01%02%03%Ba%dd%Ca%fe%04%05%06",
    "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
    "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;\
     type=cert",
    "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a\
     ?pin-source=file:/etc/token_pin&vendor-bbb=value-b",
];

#[test]
fn rfc7512_examples_parse_to_what_the_rfc_says() {
    let parsed: Vec<Pkcs11Uri> = RFC7512_EXAMPLES
        .iter()
        .map(|s| s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();

    assert!(parsed[0].path_attributes().is_empty() && parsed[0].query_attributes().is_empty());
    assert_eq!(parsed[1].object().unwrap(), Some("my-pubkey"));
    assert_eq!(parsed[1].object_type().unwrap(), Some("public"));
    assert_eq!(
        parsed[2].query_attribute("pin-source"),
        Some(&b"file:/etc/token"[..])
    );

    let u = &parsed[3];
    assert_eq!(u.token().unwrap(), Some("The Software PKCS#11 Softtoken"));
    assert_eq!(
        u.path_attribute("manufacturer"),
        Some(&b"Snake Oil, Inc."[..])
    );
    assert_eq!(u.path_attribute("model"), Some(&b"1.0"[..]));
    assert_eq!(
        u.id(),
        Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
    );
    assert_eq!(u.path_attribute("serial"), Some(&b""[..]));
    assert_eq!(
        u.query_attribute("pin-source"),
        Some(&b"file:/etc/token_pin"[..])
    );

    assert_eq!(
        parsed[4].query_attribute("module-name"),
        Some(&b"mypkcs11"[..])
    );
    assert_eq!(
        parsed[5].module_path().unwrap(),
        Some("/mnt/libmypkcs11.so.1")
    );
    assert_eq!(
        parsed[6].token().unwrap(),
        Some("Software PKCS#11 softtoken")
    );
    assert_eq!(
        parsed[6].query_attribute("pin-value"),
        Some(&b"the-pin"[..])
    );
    assert_eq!(
        parsed[7].path_attribute("slot-description"),
        Some(&b"Sun Metaslot"[..])
    );
    assert_eq!(
        parsed[8].path_attribute("library-version"),
        Some(&b"1.23"[..])
    );
    // Percent-encoding is case-insensitive (%Ba %dd).
    assert_eq!(parsed[9].token().unwrap(), Some("My token% created by Joe"));
    assert_eq!(
        parsed[9].id(),
        Some(&[1, 2, 3, 0xba, 0xdd, 0xca, 0xfe, 4, 5, 6][..])
    );
    assert_eq!(
        parsed[10].token().unwrap(),
        Some("A name with a substring %;")
    );
    assert_eq!(
        parsed[11].token().unwrap(),
        Some("Name with a small A with acute: \u{e1}")
    );
    assert_eq!(
        parsed[12].path_attribute("vendor-aaa"),
        Some(&b"value-a"[..])
    );
    assert_eq!(
        parsed[12].query_attribute("vendor-bbb"),
        Some(&b"value-b"[..])
    );

    // Formatting and parsing again gives the same attributes.
    for u in &parsed {
        assert_eq!(&u.to_string().parse::<Pkcs11Uri>().unwrap(), u);
    }
}

#[test]
fn rfc7512_pin_carrying_examples_are_refused_as_key_names() {
    let pin_source: Pkcs11Uri = RFC7512_EXAMPLES[2].parse().unwrap();
    assert_eq!(
        pin_source.check_private_key(),
        Err(UriError::PinInUri("pin-source"))
    );
    let pin_value: Pkcs11Uri = "pkcs11:token=t;object=k?pin-value=the-pin".parse().unwrap();
    assert_eq!(
        pin_value.check_private_key(),
        Err(UriError::PinInUri("pin-value"))
    );
    let public: Pkcs11Uri = RFC7512_EXAMPLES[1].parse().unwrap();
    assert_eq!(
        public.check_private_key(),
        Err(UriError::NotPrivateKey("public".into()))
    );
    let key: Pkcs11Uri = RFC7512_EXAMPLES[5].parse().unwrap();
    assert_eq!(key.check_private_key(), Ok(()));
}

fn attribute_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,15}"
}

fn uri() -> impl Strategy<Value = Pkcs11Uri> {
    (
        proptest::collection::btree_map(
            attribute_name(),
            proptest::collection::vec(any::<u8>(), 0..24),
            0..6,
        ),
        proptest::collection::vec(
            (
                attribute_name(),
                proptest::collection::vec(any::<u8>(), 0..24),
            ),
            0..4,
        ),
    )
        .prop_map(|(path, query)| {
            let mut u = Pkcs11Uri::new();
            for (name, value) in path {
                u.set_path_attribute(&name, &value);
            }
            for (name, value) in query {
                u.add_query_attribute(&name, &value);
            }
            u
        })
}

proptest! {
    #[test]
    fn format_then_parse_round_trips(u in uri()) {
        let text = u.to_string();
        prop_assert_eq!(&text.parse::<Pkcs11Uri>().unwrap(), &u);
        // And formatting is canonical: the same text again.
        prop_assert_eq!(text.parse::<Pkcs11Uri>().unwrap().to_string(), text);
    }

    #[test]
    fn every_truncation_parses_or_is_refused(u in uri()) {
        let text = u.to_string();
        for end in 0..text.len() {
            // ASCII only (we percent-encode the rest), so every prefix is a &str.
            let _ = text[..end].parse::<Pkcs11Uri>();
        }
        // A cut through a percent escape is refused, never misread.
        if let Some(pos) = text.find('%') {
            prop_assert!(matches!(
                text[..pos + 2].parse::<Pkcs11Uri>(),
                Err(UriError::BadPercentEncoding(_))
            ));
        }
        // Below the scheme nothing parses.
        for end in 0..7 {
            prop_assert_eq!(text[..end].parse::<Pkcs11Uri>(), Err(UriError::NotPkcs11));
        }
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,64}", t in "pkcs11:[ -~]{0,64}") {
        let _ = s.parse::<Pkcs11Uri>();
        if let Ok(u) = t.parse::<Pkcs11Uri>() {
            // Whatever parsed formats to something that parses to the same.
            prop_assert_eq!(u.to_string().parse::<Pkcs11Uri>().unwrap(), u);
        }
    }
}
