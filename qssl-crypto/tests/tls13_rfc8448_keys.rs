//! The TLS 1.3 key schedule (RFC 8446 §7) checked against RFC 8448 §3,
//! "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256), copied into
//! `tests/vectors/rfc8448/simple_1rtt.txt`.
//!
//! Only the trace's inputs are fed in: the all-zero IKM, the (EC)DHE shared
//! secret and the handshake messages, whose transcript hashes are computed
//! here with our SHA-256. Every secret, key, IV, transcript hash and
//! verify_data the trace prints is then compared, and the server's encrypted
//! flight is sealed and opened: all with each provider's TLS_AES_128_GCM_SHA256
//! suite (its SHA-256, HKDF and AES-128-GCM).

mod common;

use qssl_crypto::hash::HashContext;
use qssl_crypto::hkdf::{Hkdf, Prk};
use qssl_crypto::ids::CipherSuite;
use qssl_crypto::suites::Tls13CipherSuite;

struct Step {
    title: String,
    fields: Vec<(String, String)>,
}

struct Trace(Vec<Step>);

impl Trace {
    fn load() -> Self {
        let text = include_str!("vectors/rfc8448/simple_1rtt.txt");
        let mut steps: Vec<Step> = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            if let Some(t) = line.strip_prefix('[') {
                steps.push(Step {
                    title: t.trim_end_matches(']').into(),
                    fields: Vec::new(),
                });
            } else {
                let (k, v) = line
                    .split_once(" = ")
                    .unwrap_or((line.trim_end_matches(" ="), ""));
                steps.last_mut().unwrap().fields.push((k.into(), v.into()));
            }
        }
        Self(steps)
    }

    /// Every step with this title.
    fn steps(&self, title: &str) -> Vec<&Step> {
        let found: Vec<_> = self.0.iter().filter(|s| s.title == title).collect();
        assert!(!found.is_empty(), "no step [{title}]");
        found
    }

    /// A field of the single step with this title.
    fn get(&self, title: &str, field: &str) -> Vec<u8> {
        let steps = self.steps(title);
        assert_eq!(steps.len(), 1, "[{title}] is ambiguous");
        steps[0].get(field)
    }
}

impl Step {
    fn get(&self, field: &str) -> Vec<u8> {
        let v = self
            .fields
            .iter()
            .find(|(k, _)| k == field)
            .unwrap_or_else(|| panic!("[{}] has no {field}", self.title));
        hex::decode(&v.1).unwrap()
    }
}

/// Checks an HKDF-Expand-Label derivation step: the trace's PRK, its `info`
/// (our HkdfLabel encoding, checked via expand) and the output.
fn check_step(t: &Trace, title: &str, prk: &Prk, derived: &Prk) {
    assert_eq!(
        hex::encode(prk.expose_secret()),
        hex::encode(t.get(title, "PRK")),
        "[{title}] PRK"
    );
    let expanded = t.get(title, "expanded");
    assert_eq!(
        hex::encode(derived.expose_secret()),
        hex::encode(&expanded),
        "[{title}]"
    );
    let mut via_info = vec![0u8; expanded.len()];
    prk.expand(&[&t.get(title, "info")], &mut via_info).unwrap();
    assert_eq!(via_info, expanded, "[{title}] info");
}

/// Checks a "derive … traffic keys" step: AES-128-GCM key (16) and IV (12).
fn check_keys(t: &Trace, title: &str, secret: &Prk) -> ([u8; 16], [u8; 12]) {
    assert_eq!(
        secret.expose_secret(),
        &t.get(title, "PRK")[..],
        "[{title}] PRK"
    );
    let mut key = [0u8; 16];
    let mut iv = [0u8; 12];
    secret.expand_label(b"key", b"", &mut key).unwrap();
    secret.expand_label(b"iv", b"", &mut iv).unwrap();
    assert_eq!(
        hex::encode(key),
        hex::encode(t.get(title, "key expanded")),
        "[{title}] key"
    );
    assert_eq!(
        hex::encode(iv),
        hex::encode(t.get(title, "iv expanded")),
        "[{title}] iv"
    );
    (key, iv)
}

#[test]
fn rfc8448_section_3_simple_1rtt_key_schedule() {
    for b in common::backends() {
        let suite = b
            .provider
            .tls13_suite(CipherSuite::TLS13_AES_128_GCM_SHA256)
            .unwrap();
        simple_1rtt(suite);
    }
}

fn simple_1rtt(suite: &Tls13CipherSuite) {
    let t = Trace::load();
    let hkdf: &dyn Hkdf = suite.hkdf;
    let mut transcript: Box<dyn HashContext> = suite.hash.start();

    // Early Secret = HKDF-Extract(salt 0, IKM 0).
    let ikm = t.get("{server} extract secret \"early\"", "IKM");
    assert_eq!(ikm, [0u8; 32]);
    let early = hkdf.extract(None, &ikm);
    assert_eq!(
        early.expose_secret(),
        &t.get("{server} extract secret \"early\"", "secret")[..]
    );

    // Derive-Secret(early, "derived", "") and the handshake secret.
    let empty_hash = suite.hash.hash(b"");
    let title = "{server} derive secret for handshake \"tls13 derived\"";
    assert_eq!(empty_hash.as_bytes(), &t.get(title, "hash")[..]);
    let derived = early
        .derive_secret(b"derived", empty_hash.as_bytes())
        .unwrap();
    check_step(&t, title, &early, &derived);
    let hs_title = "{server} extract secret \"handshake\"";
    assert_eq!(derived.expose_secret(), &t.get(hs_title, "salt")[..]);
    let dhe = t.get(hs_title, "IKM");
    let handshake = early.next_stage(Some(&dhe)).unwrap();
    assert_eq!(
        hex::encode(handshake.expose_secret()),
        hex::encode(t.get(hs_title, "secret"))
    );
    // The same via explicit Extract with the printed salt.
    let handshake2 = hkdf.extract(Some(derived.expose_secret()), &dhe);
    assert_eq!(handshake2.expose_secret(), handshake.expose_secret());

    // Transcript-Hash(ClientHello, ServerHello).
    transcript.update(&t.get(
        "{client} construct a ClientHello handshake message",
        "ClientHello",
    ));
    transcript.update(&t.get(
        "{server} construct a ServerHello handshake message",
        "ServerHello",
    ));
    let hello_hash = transcript.fork_finish();

    // Handshake traffic secrets.
    for (label, who) in [(&b"c hs traffic"[..], "c hs"), (b"s hs traffic", "s hs")] {
        let title = format!("{{server}} derive secret \"tls13 {who} traffic\"");
        assert_eq!(
            hello_hash.as_bytes(),
            &t.get(&title, "hash")[..],
            "{title} hash"
        );
        let secret = handshake
            .derive_secret(label, hello_hash.as_bytes())
            .unwrap();
        check_step(&t, &title, &handshake, &secret);
    }
    let c_hs = handshake
        .derive_secret(b"c hs traffic", hello_hash.as_bytes())
        .unwrap();
    let s_hs = handshake
        .derive_secret(b"s hs traffic", hello_hash.as_bytes())
        .unwrap();

    // Master secret.
    let title = "{server} derive secret for master \"tls13 derived\"";
    let derived2 = handshake
        .derive_secret(b"derived", empty_hash.as_bytes())
        .unwrap();
    check_step(&t, title, &handshake, &derived2);
    let master = handshake.next_stage(None).unwrap();
    let m_title = "{server} extract secret \"master\"";
    assert_eq!(t.get(m_title, "IKM"), [0u8; 32]);
    assert_eq!(derived2.expose_secret(), &t.get(m_title, "salt")[..]);
    assert_eq!(
        hex::encode(master.expose_secret()),
        hex::encode(t.get(m_title, "secret"))
    );

    // Handshake traffic keys, both directions.
    let (s_hs_key, s_hs_iv) = check_keys(
        &t,
        "{server} derive write traffic keys for handshake data",
        &s_hs,
    );
    check_keys(
        &t,
        "{server} derive read traffic keys for handshake data",
        &c_hs,
    );

    // Server flight up to CertificateVerify, then the server Finished.
    let ee = t.get(
        "{server} construct an EncryptedExtensions handshake message",
        "EncryptedExtensions",
    );
    let cert = t.get(
        "{server} construct a Certificate handshake message",
        "Certificate",
    );
    let cv = t.get(
        "{server} construct a CertificateVerify handshake message",
        "CertificateVerify",
    );
    let s_fin_msg = t.get(
        "{server} construct a Finished handshake message",
        "Finished",
    );
    for m in [&ee, &cert, &cv] {
        transcript.update(m);
    }
    let title = "{server} calculate finished \"tls13 finished\"";
    let s_finished_key = s_hs.expand_label_secret(b"finished", b"").unwrap();
    check_step(&t, title, &s_hs, &s_finished_key);
    let s_verify = s_finished_key.hmac_sign(transcript.fork_finish().as_bytes());
    assert_eq!(hex::encode(s_verify), hex::encode(t.get(title, "finished")));
    // Finished = HandshakeType 20, uint24 length 32, verify_data.
    assert_eq!(&s_fin_msg[..4], &[20, 0, 0, 32]);
    assert_eq!(s_verify.as_bytes(), &s_fin_msg[4..]);
    assert!(
        s_finished_key
            .hmac_verify(transcript.fork_finish().as_bytes(), &s_fin_msg[4..])
            .is_ok()
    );
    let mut tampered = s_fin_msg[4..].to_vec();
    tampered[0] ^= 1;
    assert!(
        s_finished_key
            .hmac_verify(transcript.fork_finish().as_bytes(), &tampered)
            .is_err()
    );
    transcript.update(&s_fin_msg);
    let server_fin_hash = transcript.fork_finish();

    // The server's encrypted flight: AES-128-GCM with the handshake keys, seq 0
    // (RFC 8446 §5.2-§5.3: nonce = iv XOR 0, AAD = record header, plaintext =
    // payload ‖ content type 22).
    let flight = t
        .steps("{server} send handshake record")
        .into_iter()
        .find(|s| s.get("payload").first() == Some(&0x08))
        .unwrap();
    let record = flight.get("complete record");
    let (header, body) = record.split_at(5);
    let (ct, tag) = body.split_at(body.len() - 16);
    let mut inner = flight.get("payload");
    inner.push(22);
    let key = suite.aead.new_key(&s_hs_key).unwrap();
    let mut buf = inner.clone();
    let sealed_tag = key.seal_in_place(&s_hs_iv, header, &mut buf).unwrap();
    assert_eq!(hex::encode(&buf), hex::encode(ct));
    assert_eq!(&sealed_tag[..], tag);
    key.open_in_place(&s_hs_iv, header, &mut buf, tag.try_into().unwrap())
        .unwrap();
    assert_eq!(buf, inner);

    // Application traffic secrets and the exporter master secret.
    let mut app = Vec::new();
    for (label, name) in [
        (&b"c ap traffic"[..], "c ap traffic"),
        (b"s ap traffic", "s ap traffic"),
        (b"exp master", "exp master"),
    ] {
        let title = format!("{{server}} derive secret \"tls13 {name}\"");
        assert_eq!(
            server_fin_hash.as_bytes(),
            &t.get(&title, "hash")[..],
            "{title} hash"
        );
        let secret = master
            .derive_secret(label, server_fin_hash.as_bytes())
            .unwrap();
        check_step(&t, &title, &master, &secret);
        app.push(secret);
    }
    check_keys(
        &t,
        "{server} derive write traffic keys for application data",
        &app[1],
    );
    check_keys(
        &t,
        "{client} derive write traffic keys for application data",
        &app[0],
    );

    // Client Finished over the transcript through the server Finished.
    let title = "{client} calculate finished \"tls13 finished\"";
    let c_finished_key = c_hs.expand_label_secret(b"finished", b"").unwrap();
    check_step(&t, title, &c_hs, &c_finished_key);
    let c_verify = c_finished_key.hmac_sign(server_fin_hash.as_bytes());
    assert_eq!(hex::encode(c_verify), hex::encode(t.get(title, "finished")));
    let c_fin_msg = t.get(
        "{client} construct a Finished handshake message",
        "Finished",
    );
    assert_eq!(c_verify.as_bytes(), &c_fin_msg[4..]);
    transcript.update(&c_fin_msg);
    let client_fin_hash = transcript.finish();

    // Resumption master secret and the ticket's PSK (nonce 00 00).
    let title = "{client} derive secret \"tls13 res master\"";
    assert_eq!(client_fin_hash.as_bytes(), &t.get(title, "hash")[..]);
    let res_master = master
        .derive_secret(b"res master", client_fin_hash.as_bytes())
        .unwrap();
    check_step(&t, title, &master, &res_master);
    let title = "{server} generate resumption secret \"tls13 resumption\"";
    let nonce = t.get(title, "hash");
    assert_eq!(nonce, [0, 0]);
    let psk = res_master
        .expand_label_secret(b"resumption", &nonce)
        .unwrap();
    check_step(&t, title, &res_master, &psk);
    // A stored PSK comes back through prk_from_secret.
    let reloaded = hkdf.prk_from_secret(psk.expose_secret()).unwrap();
    assert_eq!(reloaded.expose_secret(), psk.expose_secret());
}
