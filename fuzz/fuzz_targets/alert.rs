//! The alert codec: a stream of alerts read with the nom parser, each one a whole
//! alert message too. Decode → encode gives the bytes back, and the receive rules
//! agree with each other in both versions.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_alert::{Alert, AlertAction, AlertDecodeError, TlsVersion, parse_alert};

fuzz_target!(|data: &[u8]| {
    match Alert::parse(data) {
        Ok(alert) => {
            assert_eq!(data.len(), 2);
            assert_eq!(alert.to_bytes(), data);
        }
        Err(AlertDecodeError::Truncated) => assert!(data.len() < 2),
        Err(AlertDecodeError::TrailingBytes) => assert!(data.len() > 2),
    }
    let mut rest = data;
    let mut again = Vec::new();
    while let Ok((tail, alert)) = parse_alert(rest) {
        assert_eq!(rest.len() - tail.len(), 2, "an alert is two bytes");
        rest = tail;
        alert.encode(&mut again);
        let _ = alert.to_string();
        for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
            let action = alert.action_in(version);
            assert_eq!(
                action == AlertAction::Terminate,
                alert.is_fatal_in(version),
                "{alert} in {version:?}: {action:?}"
            );
        }
        // close_notify is never fatal and never ignored; in TLS 1.3 nothing but the
        // two closure alerts survives (RFC 8446 §6).
        if alert.description == qssl_alert::AlertDescription::CLOSE_NOTIFY {
            assert_eq!(alert.action_in(TlsVersion::Tls13), AlertAction::CloseRead);
        }
        assert_ne!(
            alert.action_in(TlsVersion::Tls13),
            AlertAction::IgnoreWarning
        );
    }
    assert!(rest.len() < 2);
    assert_eq!(again, data[..data.len() - rest.len()]);
});
