//! The transcript and key schedule of `qssl_handshake` against RFC 8448 §3 ("Simple
//! 1-RTT Handshake", TLS_AES_128_GCM_SHA256).
//!
//! Inputs: the trace's handshake messages (`tests/vectors/rfc8448/s3_*.hex`, see the
//! README there) and its x25519 shared secret (the IKM of `extract secret "handshake"`).
//! Expected values: copied from RFC 8448 §3 (the `expanded`/`key`/`iv` lines of the
//! named steps; the same text is in `qssl-crypto/tests/vectors/rfc8448/simple_1rtt.txt`).

use qssl_crypto::suites::TLS13_AES_128_GCM_SHA256;
use qssl_handshake::key_schedule::{
    EarlySecret, Side, derive_traffic_keys, finished_verify_data, resumption_psk,
};
use qssl_handshake::transcript::Transcript;

fn msg(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/rfc8448/{name}.hex",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    hex::decode(text.split_whitespace().collect::<String>()).unwrap()
}

fn h(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn rfc8448_section3_key_schedule() {
    let suite = &TLS13_AES_128_GCM_SHA256;
    let mut t = Transcript::new();
    t.add(&msg("s3_01_client_ClientHello"));
    t.start_hash(suite.hash);
    t.add(&msg("s3_02_server_ServerHello"));
    let hello_hash = t.current_hash().unwrap();

    // {server} extract secret "handshake": IKM (the x25519 shared secret).
    let ecdhe =
        hex::decode("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d").unwrap();
    let early = EarlySecret::new(suite, None);
    assert_eq!(
        hex::encode(early.secret().expose_secret()),
        "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"
    );
    let hs = early.into_handshake(&ecdhe, &hello_hash).unwrap();
    assert_eq!(
        hex::encode(hs.secret().expose_secret()),
        "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"
    );
    assert_eq!(
        hex::encode(hs.traffic_secret(Side::Client).expose_secret()),
        "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
    );
    assert_eq!(
        hex::encode(hs.traffic_secret(Side::Server).expose_secret()),
        "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
    );
    // {server} derive write traffic keys for handshake data.
    let keys = derive_traffic_keys(suite, hs.traffic_secret(Side::Server)).unwrap();
    assert_eq!(hex::encode(&keys.key), "3fce516009c21727d0f2e4e86ee403bc");
    assert_eq!(hex::encode(keys.iv), "5d313eb2671276ee13000b30");

    for m in [
        "s3_03_server_EncryptedExtensions",
        "s3_04_server_Certificate",
        "s3_05_server_CertificateVerify",
    ] {
        t.add(&msg(m));
    }
    // {server} calculate finished "tls13 finished" → the Finished message body.
    let fin = hs
        .finished(Side::Server, &t.current_hash().unwrap())
        .unwrap();
    let server_finished = msg("s3_06_server_Finished");
    assert_eq!(fin.as_bytes(), &server_finished[4..]);
    let direct = finished_verify_data(hs.traffic_secret(Side::Server), &t.current_hash().unwrap());
    assert_eq!(direct.unwrap().as_bytes(), &server_finished[4..]);
    hs.verify_finished(
        Side::Server,
        &t.current_hash().unwrap(),
        &server_finished[4..],
    )
    .unwrap();
    let mut bad = server_finished[4..].to_vec();
    bad[0] ^= 1;
    assert!(
        hs.verify_finished(Side::Server, &t.current_hash().unwrap(), &bad)
            .is_err()
    );
    assert!(
        hs.verify_finished(
            Side::Server,
            &t.current_hash().unwrap(),
            &server_finished[4..20]
        )
        .is_err()
    );
    t.add(&server_finished);

    let master = hs.into_master(&t.current_hash().unwrap()).unwrap();
    assert_eq!(
        hex::encode(master.secret().expose_secret()),
        h("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
    );
    assert_eq!(
        hex::encode(master.traffic_secret(Side::Client).expose_secret()),
        "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
    );
    assert_eq!(
        hex::encode(master.traffic_secret(Side::Server).expose_secret()),
        "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
    );
    assert_eq!(
        hex::encode(master.exporter_secret().expose_secret()),
        "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"
    );
    let keys = derive_traffic_keys(suite, master.traffic_secret(Side::Server)).unwrap();
    assert_eq!(hex::encode(&keys.key), "9f02283b6c9c07efc26bb9f2ac92e356");
    assert_eq!(hex::encode(keys.iv), "cf782b88dd83549aadf1e984");

    // {client} calculate finished.
    let client_finished = msg("s3_07_client_Finished");
    let fin = master.client_finished(&t.current_hash().unwrap()).unwrap();
    assert_eq!(fin.as_bytes(), &client_finished[4..]);
    master
        .verify_client_finished(&t.current_hash().unwrap(), &client_finished[4..])
        .unwrap();
    t.add(&client_finished);

    let res = master
        .resumption_master_secret(&t.current_hash().unwrap())
        .unwrap();
    assert_eq!(
        hex::encode(res.expose_secret()),
        "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c"
    );
    // {server} generate resumption secret "tls13 resumption" with ticket_nonce 00 00.
    let psk = resumption_psk(&res, &[0, 0]).unwrap();
    assert_eq!(
        hex::encode(psk.expose_secret()),
        "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"
    );
}
