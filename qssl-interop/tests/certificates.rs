//! One Q-SSL server, one listening socket, two chains (ML-DSA-65 first, ECDSA P-256
//! second): each client gets the first chain it can verify. The clients are OpenSSL
//! 3.6 (vendored) and rustls 0.23 with their default signature_algorithms (both list
//! ML-DSA) and restricted to classical schemes, and Q-SSL itself.

use qssl_interop::{
    ClientOptions, ClientPeer, KeyAlgorithm, OpenSslClient, QsslClient, QsslServer, RustlsClient,
    ServerOptions, SignatureScheme, TestPki, Workload, run_client, spawn_server,
};

/// Every classical TLS 1.3 scheme: what a client without ML-DSA offers.
const CLASSICAL: [SignatureScheme; 7] = [
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
];

#[test]
fn each_client_gets_the_chain_it_can_verify_on_one_socket() {
    let mldsa = TestPki::generate(KeyAlgorithm::MlDsa65).unwrap();
    let ecdsa = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let mut server = ServerOptions::new(mldsa.server.clone());
    server.more_identities = vec![ecdsa.server.clone()];

    let anchors = format!("{}{}", mldsa.root_pem, ecdsa.root_pem);
    let options = |classical: bool| {
        let mut o = ClientOptions::new(anchors.clone());
        if classical {
            o.signature_schemes = CLASSICAL.to_vec();
        }
        o
    };
    // (client, offers only classical schemes, the leaf it must get)
    let clients: Vec<(Box<dyn ClientPeer>, bool, KeyAlgorithm)> = vec![
        (
            Box::new(OpenSslClient::new(&options(true)).unwrap()),
            true,
            KeyAlgorithm::EcdsaP256,
        ),
        (
            Box::new(OpenSslClient::new(&options(false)).unwrap()),
            false,
            KeyAlgorithm::MlDsa65,
        ),
        (
            Box::new(RustlsClient::new(&options(true)).unwrap()),
            true,
            KeyAlgorithm::EcdsaP256,
        ),
        (
            Box::new(RustlsClient::new(&options(false)).unwrap()),
            false,
            KeyAlgorithm::MlDsa65,
        ),
        (
            Box::new(QsslClient::new(&options(true)).unwrap()),
            true,
            KeyAlgorithm::EcdsaP256,
        ),
        (
            Box::new(QsslClient::new(&options(false)).unwrap()),
            false,
            KeyAlgorithm::MlDsa65,
        ),
    ];
    let running = spawn_server(
        Box::new(QsslServer::new(&server).unwrap()),
        clients.len(),
        false,
    )
    .unwrap();
    let workload = Workload::Echo(b"two chains".to_vec());
    let mut failures = Vec::new();
    for (client, classical, want) in &clients {
        let who = format!("{} (classical only: {classical})", client.name());
        match run_client(
            &**client,
            running.addr,
            &workload,
            qssl_interop::KeyUpdate::Never,
        ) {
            Ok(report) => {
                let hello = report.report.client_hello.as_ref();
                let offered_mldsa =
                    hello.is_some_and(|h| h.signature_schemes.contains(&SignatureScheme::MLDSA65));
                let got = report.report.negotiated.peer_key();
                if got != Some(*want) || offered_mldsa == *classical {
                    failures.push(format!(
                        "{who}: got a {got:?} leaf, want {want:?}; ML-DSA-65 offered: {offered_mldsa}"
                    ));
                }
            }
            Err(e) => failures.push(format!("{who}: {e}")),
        }
    }
    let served = running.join().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(served.len(), clients.len());
    for s in served {
        s.unwrap();
    }
}
