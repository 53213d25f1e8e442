//! `docs/alerts.md` against the code (issue 14).
//!
//! Every row of an "error | alert" table in the doc is parsed into claims
//! (type, variant, alert), and each claim is checked against the `alert()` method that
//! decides it. The other way round, every variant declared in the sources (read from the
//! source files, so a new variant is seen without anyone remembering this test) must be
//! in this test's table and must have a doc row: a new error without a documented alert
//! fails here.

use std::collections::{BTreeMap, BTreeSet};

use qssl_alert::AlertDescription;
use qssl_crypto::error::CryptoError;
use qssl_handshake::verify::CertificateError;
use qssl_handshake::{
    ConnectionError, EncodeError, Error, HandshakeType, InvalidMessage, PeerIncompatible,
    PeerMisbehaved,
};
use qssl_record::{ContentType, ProtocolVersion, RecordError};

const DOC: &str = include_str!("../../docs/alerts.md");

/// What a doc row (or the code) says about one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    /// This alert is sent.
    Alert(AlertDescription),
    /// No alert is sent (`none`).
    NoAlert,
    /// The wrapped error's own alert (`e.alert()`).
    Delegates,
}

/// One documented (type, variant) and where in the doc it was claimed.
#[derive(Debug)]
struct DocClaim {
    ty: &'static str,
    variant: String,
    claim: Claim,
    line: usize,
}

/// The canonical type a doc row's `Type::` prefix names. `Error` means the handshake
/// crate's `Error` in the handshake section and the connection error (the facade's
/// `qssl::Error`) in the connection section, as the doc's prose says.
fn resolve_type(section: &str, name: &str, line: usize) -> &'static str {
    match name {
        "InvalidMessage" => "InvalidMessage",
        "PeerMisbehaved" => "PeerMisbehaved",
        "PeerIncompatible" => "PeerIncompatible",
        "CertificateError" => "CertificateError",
        "RecordError" => "RecordError",
        "ConnectionError" => "ConnectionError",
        "Error" if section.starts_with("Handshake errors") => "Error",
        "Error" if section.starts_with("Connection errors") => "ConnectionError",
        _ => panic!(
            "docs/alerts.md line {line}: unknown error type `{name}` (section {section:?}); \
             known: InvalidMessage, PeerMisbehaved, PeerIncompatible, CertificateError, \
             RecordError, ConnectionError, Error"
        ),
    }
}

/// The table row's cells, without the outer pipes.
fn cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

/// The backticked spans of `cell`, leaving out those inside a parenthetical remark
/// outside backticks (`Foo` (more than `LIMIT` = 32), `Bar`): remarks name constants
/// and options, not variants.
fn variant_spans(cell: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = None;
    for (i, c) in cell.char_indices() {
        match (c, start) {
            ('`', None) => start = Some(i + 1),
            ('`', Some(s)) => {
                if depth == 0 {
                    spans.push(&cell[s..i]);
                }
                start = None;
            }
            ('(', None) => depth += 1,
            (')', None) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    spans
}

/// The alert column: an IANA alert name first, or `none`, or `` `e.alert()` ``.
fn parse_alert(cell: &str, line: usize) -> Claim {
    if cell.starts_with("`e.alert()`") {
        return Claim::Delegates;
    }
    let name: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name == "none" {
        return Claim::NoAlert;
    }
    match AlertDescription::from_name(&name) {
        Some(a) => Claim::Alert(a),
        None => panic!("docs/alerts.md line {line}: unknown alert name {name:?} in {cell:?}"),
    }
}

/// Every claim of every "| error | alert |" table of the doc.
fn doc_claims(doc: &str) -> Vec<DocClaim> {
    let mut claims = Vec::new();
    let mut section = String::new();
    let mut in_table = false;
    for (i, raw) in doc.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if let Some(title) = line.strip_prefix("## ") {
            section = title.to_owned();
            in_table = false;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let row = cells(line);
        if row.len() >= 2 && row[0] == "error" && row[1] == "alert" {
            in_table = true;
            continue;
        }
        if !in_table || row[0].starts_with("---") {
            continue;
        }
        let claim = parse_alert(row[1], line_no);
        let mut ty: Option<&'static str> = None;
        let spans = variant_spans(row[0]);
        assert!(
            !spans.is_empty(),
            "docs/alerts.md line {line_no}: a row without a `Type::Variant`: {line}"
        );
        for span in spans {
            let names: Vec<&str> = if let Some((t, rest)) = span.split_once("::") {
                ty = Some(resolve_type(&section, t, line_no));
                match rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                    Some(list) => list.split(',').map(str::trim).collect(),
                    None => vec![rest],
                }
            } else {
                vec![span]
            };
            let Some(ty) = ty else {
                panic!(
                    "docs/alerts.md line {line_no}: `{span}` continues no `Type::Variant`: {line}"
                )
            };
            for name in names {
                // `Record(e)`: the payload is a placeholder, the variant is `Record`.
                let variant = name.split('(').next().unwrap_or(name).trim();
                assert!(
                    !variant.is_empty()
                        && variant.chars().all(|c| c.is_ascii_alphanumeric())
                        && variant.starts_with(|c: char| c.is_ascii_uppercase()),
                    "docs/alerts.md line {line_no}: `{span}` is not a variant name"
                );
                claims.push(DocClaim {
                    ty,
                    variant: variant.to_owned(),
                    claim,
                    line: line_no,
                });
            }
        }
    }
    claims
}

/// The variant names of `pub enum name` in `source`: the identifiers at one level of
/// indentation inside its braces (fields of struct variants are deeper).
fn declared_variants(source: &str, name: &str) -> BTreeSet<String> {
    let header = format!("pub enum {name} {{");
    let body = source
        .split_once(&header)
        .unwrap_or_else(|| panic!("no `{header}` in the source"))
        .1;
    let body = body.split_once("\n}").map_or(body, |(b, _)| b);
    body.lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .map(str::trim)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| {
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn alert(a: AlertDescription) -> Claim {
    Claim::Alert(a)
}

fn opt(a: Option<AlertDescription>) -> Claim {
    a.map_or(Claim::NoAlert, Claim::Alert)
}

/// One value of every unit variant and a representative of every variant with a
/// payload, each with what the code does for it.
fn invalid_message() -> Vec<(&'static str, InvalidMessage)> {
    use InvalidMessage::*;
    vec![
        ("Truncated", Truncated),
        ("TrailingBytes", TrailingBytes),
        ("LengthOutOfRange", LengthOutOfRange),
        ("TooLarge", TooLarge),
        ("HandshakeMessageTooLarge", HandshakeMessageTooLarge),
        ("UnknownServerNameType", UnknownServerNameType),
        ("DuplicateExtension", DuplicateExtension),
        ("PreSharedKeyNotLast", PreSharedKeyNotLast),
        ("InvalidKeyUpdateRequest", InvalidKeyUpdateRequest),
        ("RecordSizeLimitTooSmall", RecordSizeLimitTooSmall),
        ("UnsupportedCurveType", UnsupportedCurveType),
    ]
}

fn peer_misbehaved() -> Vec<(&'static str, PeerMisbehaved)> {
    use PeerMisbehaved::*;
    vec![
        (
            "UnexpectedMessage",
            UnexpectedMessage(HandshakeType::FINISHED),
        ),
        ("UnexpectedChangeCipherSpec", UnexpectedChangeCipherSpec),
        ("MessageSpansKeyChange", MessageSpansKeyChange),
        ("SecondHelloRetryRequest", SecondHelloRetryRequest),
        ("IllegalHelloRetryRequest", IllegalHelloRetryRequest),
        ("HelloRetryCookieTooLarge", HelloRetryCookieTooLarge),
        ("BadFinished", BadFinished),
        ("BadCertificateVerify", BadCertificateVerify),
        ("InvalidKeyShare", InvalidKeyShare),
        ("MissingKeyShare", MissingKeyShare),
        ("MissingExtension", MissingExtension),
        ("InconsistentKeyShares", InconsistentKeyShares),
        ("SelectedUnofferedParameter", SelectedUnofferedParameter),
        ("SelectedUnofferedAlpn", SelectedUnofferedAlpn),
        ("SignatureSchemeNotOffered", SignatureSchemeNotOffered),
        ("DowngradeDetected", DowngradeDetected),
        ("SessionIdMismatch", SessionIdMismatch),
        ("BadCompression", BadCompression),
        ("UnsolicitedExtension", UnsolicitedExtension),
        ("NoServerCertificate", NoServerCertificate),
        ("NoClientCertificate", NoClientCertificate),
        ("BadCertificateRequestContext", BadCertificateRequestContext),
        ("BadTicketLifetime", BadTicketLifetime),
        (
            "MisplacedPostHandshakeMessage",
            MisplacedPostHandshakeMessage,
        ),
        ("BadCookie", BadCookie),
        ("FinishedWrongLength", FinishedWrongLength),
        ("InvalidServerName", InvalidServerName),
        ("BadLegacyVersion", BadLegacyVersion),
        ("TooManyKeyUpdates", TooManyKeyUpdates),
        ("TooManyWarningAlerts", TooManyWarningAlerts),
        (
            "InterleavedWithHandshakeMessage",
            InterleavedWithHandshakeMessage,
        ),
        ("BadPskBinder", BadPskBinder),
        ("PskBinderCountMismatch", PskBinderCountMismatch),
        ("PskWithoutKeyExchangeModes", PskWithoutKeyExchangeModes),
        ("PskIncompatible", PskIncompatible),
        ("TooMuchEarlyData", TooMuchEarlyData),
        ("RenegotiationRefused", RenegotiationRefused),
        ("BadRenegotiationInfo", BadRenegotiationInfo),
        ("NoUncompressedPoints", NoUncompressedPoints),
        ("NoClientCertificateTls12", NoClientCertificateTls12),
    ]
}

fn peer_incompatible() -> Vec<(&'static str, PeerIncompatible)> {
    use PeerIncompatible::*;
    vec![
        ("NoTls13", NoTls13),
        ("NoCommonCipherSuite", NoCommonCipherSuite),
        ("NoCommonGroup", NoCommonGroup),
        ("NoPostQuantumGroup", NoPostQuantumGroup),
        ("NoCommonSignatureScheme", NoCommonSignatureScheme),
        ("NoApplicationProtocol", NoApplicationProtocol),
        ("LegacyVersionTooLow", LegacyVersionTooLow),
        ("NoCommonVersion", NoCommonVersion),
        ("NoExtendedMasterSecret", NoExtendedMasterSecret),
    ]
}

fn certificate_error() -> Vec<(&'static str, CertificateError)> {
    use CertificateError::*;
    vec![
        ("BadEncoding", BadEncoding),
        ("Expired", Expired),
        ("NotValidYet", NotValidYet),
        ("UnknownIssuer", UnknownIssuer),
        ("NotValidForName", NotValidForName),
        ("InvalidPurpose", InvalidPurpose),
        ("BadSignature", BadSignature),
        (
            "UnsupportedSignatureAlgorithm",
            UnsupportedSignatureAlgorithm,
        ),
        ("UnsupportedCertVersion", UnsupportedCertVersion),
        ("UnsupportedCriticalExtension", UnsupportedCriticalExtension),
        ("CaUsedAsEndEntity", CaUsedAsEndEntity),
        ("EndEntityUsedAsCa", EndEntityUsedAsCa),
        ("PathLenConstraintViolated", PathLenConstraintViolated),
        ("NameConstraintViolation", NameConstraintViolation),
        ("Distrusted", Distrusted),
        ("PathTooComplex", PathTooComplex),
        ("Revoked", Revoked),
        ("OcspResponseRequired", OcspResponseRequired),
        ("OcspMalformed", OcspMalformed),
        ("OcspUnsuccessful", OcspUnsuccessful),
        ("OcspUnauthorizedResponder", OcspUnauthorizedResponder),
        ("OcspBadSignature", OcspBadSignature),
        ("OcspUnsupportedAlgorithm", OcspUnsupportedAlgorithm),
        ("OcspWrongCertificate", OcspWrongCertificate),
        ("OcspNotYetValid", OcspNotYetValid),
        ("OcspExpired", OcspExpired),
        ("OcspStatusUnknown", OcspStatusUnknown),
        ("BadHandshakeSignature", BadHandshakeSignature),
        (
            "UnsupportedHandshakeSignatureScheme",
            UnsupportedHandshakeSignatureScheme,
        ),
        (
            "HandshakeSignatureKeyMismatch",
            HandshakeSignatureKeyMismatch,
        ),
        (
            "ApplicationVerificationFailure",
            ApplicationVerificationFailure,
        ),
        ("Other", Other),
    ]
}

fn record_error() -> Vec<(&'static str, RecordError)> {
    use RecordError::*;
    vec![
        (
            "NotTls",
            NotTls {
                version: ProtocolVersion(0x0200),
            },
        ),
        (
            "UnknownContentType",
            UnknownContentType(ContentType::HEARTBEAT),
        ),
        (
            "CiphertextOverflow",
            CiphertextOverflow {
                len: 16_641,
                max: 16_640,
            },
        ),
        (
            "PlaintextOverflow",
            PlaintextOverflow {
                len: 16_385,
                max: 16_384,
            },
        ),
        ("BadRecordMac", BadRecordMac),
        ("MissingInnerContentType", MissingInnerContentType),
        ("EmptyFragment", EmptyFragment(ContentType::HANDSHAKE)),
        ("AlertLength", AlertLength(3)),
        ("TooManyEmptyRecords", TooManyEmptyRecords),
        ("BadChangeCipherSpec", BadChangeCipherSpec),
        ("ProtectedChangeCipherSpec", ProtectedChangeCipherSpec),
        (
            "UnexpectedPlaintext",
            UnexpectedPlaintext(ContentType::APPLICATION_DATA),
        ),
        ("SequenceExhausted", SequenceExhausted),
        ("RefusedToSend", RefusedToSend(ContentType::ALERT)),
        ("Crypto", Crypto(CryptoError::DecryptFailed)),
    ]
}

/// The handshake crate's `Error` variants that have an alert of their own (the others
/// wrap one of the enums above and delegate, checked in `wrappers_delegate`).
fn handshake_error_own() -> Vec<(&'static str, Error)> {
    vec![
        ("Crypto", Error::Crypto(CryptoError::DecryptFailed)),
        ("Misuse", Error::Misuse("test")),
        (
            "Encode",
            Error::Encode(EncodeError::TooLong { len: 256, max: 255 }),
        ),
    ]
}

/// Variants of `Error` that only wrap an error with its own table.
const ERROR_WRAPPERS: [&str; 4] = [
    "InvalidMessage",
    "PeerMisbehaved",
    "PeerIncompatible",
    "Certificate",
];

/// `ConnectionError` variants with their own alert, and `Record`, documented as
/// delegating. `Handshake` wraps `Error` and is checked in `wrappers_delegate`.
fn connection_error_own() -> Vec<(&'static str, Claim)> {
    let records_delegate = record_error()
        .into_iter()
        .all(|(_, e)| ConnectionError::Record(e).alert() == Some(e.alert()));
    vec![
        (
            "Record",
            if records_delegate {
                Claim::Delegates
            } else {
                // Whatever it does instead: make the doc's `e.alert()` claim fail.
                opt(ConnectionError::Record(RecordError::BadRecordMac).alert())
            },
        ),
        (
            "AlertReceived",
            opt(ConnectionError::AlertReceived(AlertDescription::HANDSHAKE_FAILURE).alert()),
        ),
        (
            "UnexpectedRecord",
            opt(ConnectionError::UnexpectedRecord(ContentType::APPLICATION_DATA).alert()),
        ),
        (
            "MalformedAlert",
            opt(ConnectionError::MalformedAlert.alert()),
        ),
        (
            "PeerClosedDuringHandshake",
            opt(ConnectionError::PeerClosedDuringHandshake.alert()),
        ),
        ("Config", opt(ConnectionError::Config("test").alert())),
    ]
}

/// (type, variant) → what the code does, for every variant this test knows.
fn code_table() -> BTreeMap<(&'static str, &'static str), Claim> {
    let mut t = BTreeMap::new();
    let mut add = |ty: &'static str, v: &'static str, c: Claim| {
        assert!(
            t.insert((ty, v), c).is_none(),
            "{ty}::{v} twice in the test"
        );
    };
    for (v, e) in invalid_message() {
        add("InvalidMessage", v, alert(e.alert()));
    }
    for (v, e) in peer_misbehaved() {
        add("PeerMisbehaved", v, alert(e.alert()));
    }
    for (v, e) in peer_incompatible() {
        add("PeerIncompatible", v, alert(e.alert()));
    }
    for (v, e) in certificate_error() {
        add("CertificateError", v, alert(e.alert()));
    }
    for (v, e) in record_error() {
        add("RecordError", v, alert(e.alert()));
    }
    for (v, e) in handshake_error_own() {
        add("Error", v, alert(e.alert()));
    }
    for (v, c) in connection_error_own() {
        add("ConnectionError", v, c);
    }
    t
}

/// Every (type, variant) the doc claims, with the claim, refusing a variant claimed
/// twice (two rows that could disagree).
fn documented() -> BTreeMap<(&'static str, String), (Claim, usize)> {
    let mut d = BTreeMap::new();
    for c in doc_claims(DOC) {
        if let Some((_, first)) = d.insert((c.ty, c.variant.clone()), (c.claim, c.line)) {
            panic!(
                "docs/alerts.md: {}::{} is documented twice (lines {first} and {})",
                c.ty, c.variant, c.line
            );
        }
    }
    d
}

fn name(c: Claim) -> String {
    match c {
        Claim::Alert(a) => a.name().map_or_else(|| format!("{a:?}"), str::to_owned),
        Claim::NoAlert => "none".to_owned(),
        Claim::Delegates => "`e.alert()`".to_owned(),
    }
}

#[test]
fn every_documented_alert_is_the_codes() {
    let code = code_table();
    let mut wrong = Vec::new();
    for ((ty, variant), (claim, line)) in documented() {
        match code.get(&(ty, variant.as_str())) {
            None => wrong.push(format!(
                "line {line}: {ty}::{variant} is not a variant this test knows (a typo in \
                 the doc, or a new variant missing from the test's table)"
            )),
            Some(&actual) if actual != claim => wrong.push(format!(
                "line {line}: {ty}::{variant}: the doc says {}, the code sends {}",
                name(claim),
                name(actual)
            )),
            Some(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/alerts.md disagrees with the code:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_variant_is_documented() {
    let documented = documented();
    let missing: Vec<String> = code_table()
        .into_iter()
        .filter(|((ty, v), _)| !documented.contains_key(&(*ty, (*v).to_owned())))
        .map(|((ty, v), c)| format!("{ty}::{v} (the code sends {})", name(c)))
        .collect();
    assert!(
        missing.is_empty(),
        "no row in docs/alerts.md for:\n{}",
        missing.join("\n")
    );
}

/// The test's tables hold exactly the variants the sources declare, so a new variant
/// fails here until it gets a value above (and then, through
/// `every_variant_is_documented`, a doc row).
#[test]
fn the_tables_cover_every_declared_variant() {
    let sources = [
        ("InvalidMessage", include_str!("../src/error.rs")),
        ("PeerMisbehaved", include_str!("../src/error.rs")),
        ("PeerIncompatible", include_str!("../src/error.rs")),
        ("Error", include_str!("../src/error.rs")),
        ("CertificateError", include_str!("../src/verify/error.rs")),
        (
            "ConnectionError",
            include_str!("../src/connection/error.rs"),
        ),
        (
            "RecordError",
            include_str!("../../qssl-record/src/error.rs"),
        ),
    ];
    let code = code_table();
    for (ty, source) in sources {
        let declared = declared_variants(source, ty);
        let mut known: BTreeSet<String> = code
            .keys()
            .filter(|(t, _)| *t == ty)
            .map(|(_, v)| (*v).to_owned())
            .collect();
        match ty {
            "Error" => known.extend(ERROR_WRAPPERS.map(str::to_owned)),
            "ConnectionError" => {
                known.insert("Handshake".to_owned());
            }
            _ => {}
        }
        assert!(declared.len() > 2, "{ty}: variants not found in the source");
        assert_eq!(
            known, declared,
            "{ty}: the test's table (left) and the enum's variants (right) differ"
        );
    }
}

/// The wrappers the doc does not list (`Error::InvalidMessage(e)`, ...,
/// `ConnectionError::Handshake(e)`) send exactly the wrapped error's alert.
#[test]
fn wrappers_delegate() {
    let mut all: Vec<Error> = Vec::new();
    all.extend(invalid_message().into_iter().map(|(_, e)| Error::from(e)));
    all.extend(peer_misbehaved().into_iter().map(|(_, e)| Error::from(e)));
    all.extend(peer_incompatible().into_iter().map(|(_, e)| Error::from(e)));
    all.extend(certificate_error().into_iter().map(|(_, e)| Error::from(e)));
    for (v, e) in invalid_message() {
        assert_eq!(
            Error::from(e).alert(),
            e.alert(),
            "Error::InvalidMessage({v})"
        );
    }
    for (v, e) in peer_misbehaved() {
        assert_eq!(
            Error::from(e).alert(),
            e.alert(),
            "Error::PeerMisbehaved({v})"
        );
    }
    for (v, e) in peer_incompatible() {
        assert_eq!(
            Error::from(e).alert(),
            e.alert(),
            "Error::PeerIncompatible({v})"
        );
    }
    for (v, e) in certificate_error() {
        assert_eq!(Error::from(e).alert(), e.alert(), "Error::Certificate({v})");
    }
    all.extend(handshake_error_own().into_iter().map(|(_, e)| e));
    for e in all {
        assert_eq!(
            ConnectionError::Handshake(e).alert(),
            Some(e.alert()),
            "ConnectionError::Handshake({e:?})"
        );
    }
}

/// The parser itself, on rows of each style the doc uses, so a parser that reads
/// nothing cannot pass the checks above vacuously.
#[test]
fn parser_reads_each_row_style() {
    let doc = "## Handshake errors (`x`)\n\n\
        | error | alert | rule |\n\
        | --- | --- | --- |\n\
        | `InvalidMessage::{Truncated, TrailingBytes}` | decode_error | §6.2 |\n\
        | `PeerMisbehaved::TooManyKeyUpdates` (more than `MAX_KEY_UPDATES_IN_A_ROW` = 32), `TooManyWarningAlerts` | unexpected_message | |\n\
        | `Error::Crypto`, `Error::Misuse` | internal_error | |\n\
        \n## Connection errors\n\n\
        | error | alert |\n\
        | --- | --- |\n\
        | `Error::Record(e)` | `e.alert()` (bad_record_mac, ...) |\n\
        | `Error::AlertReceived` | none (the peer ended it) |\n\
        | `Error::PeerClosedDuringHandshake` | close_notify, warning level |\n\
        \n| input | detector | alert |\n\
        | --- | --- | --- |\n\
        | `NotAnError::Foo` | server | bogus_name |\n";
    let got: Vec<(&str, String, Claim)> = doc_claims(doc)
        .into_iter()
        .map(|c| (c.ty, c.variant, c.claim))
        .collect();
    let want = vec![
        (
            "InvalidMessage",
            "Truncated".to_owned(),
            Claim::Alert(AlertDescription::DECODE_ERROR),
        ),
        (
            "InvalidMessage",
            "TrailingBytes".to_owned(),
            Claim::Alert(AlertDescription::DECODE_ERROR),
        ),
        (
            "PeerMisbehaved",
            "TooManyKeyUpdates".to_owned(),
            Claim::Alert(AlertDescription::UNEXPECTED_MESSAGE),
        ),
        (
            "PeerMisbehaved",
            "TooManyWarningAlerts".to_owned(),
            Claim::Alert(AlertDescription::UNEXPECTED_MESSAGE),
        ),
        (
            "Error",
            "Crypto".to_owned(),
            Claim::Alert(AlertDescription::INTERNAL_ERROR),
        ),
        (
            "Error",
            "Misuse".to_owned(),
            Claim::Alert(AlertDescription::INTERNAL_ERROR),
        ),
        ("ConnectionError", "Record".to_owned(), Claim::Delegates),
        (
            "ConnectionError",
            "AlertReceived".to_owned(),
            Claim::NoAlert,
        ),
        (
            "ConnectionError",
            "PeerClosedDuringHandshake".to_owned(),
            Claim::Alert(AlertDescription::CLOSE_NOTIFY),
        ),
    ];
    assert_eq!(got, want);
    // The real doc: at least one row per type, and more claims than rows.
    let claims = doc_claims(DOC);
    for ty in [
        "InvalidMessage",
        "PeerMisbehaved",
        "PeerIncompatible",
        "CertificateError",
        "RecordError",
        "Error",
        "ConnectionError",
    ] {
        assert!(
            claims.iter().any(|c| c.ty == ty),
            "docs/alerts.md: no row for {ty} found"
        );
    }
}

#[test]
#[should_panic(expected = "unknown alert name \"decode_eror\"")]
fn unknown_alert_name_fails() {
    doc_claims("| error | alert |\n| --- | --- |\n| `InvalidMessage::Truncated` | decode_eror |\n");
}

#[test]
#[should_panic(expected = "unknown error type `InvalidMesage`")]
fn unknown_type_fails() {
    doc_claims(
        "## Handshake errors\n\n| error | alert |\n| --- | --- |\n| `InvalidMesage::Truncated` | decode_error |\n",
    );
}
