#!/bin/sh
# Makes the OCSP fixtures of tests/verify_ocsp.rs with the OpenSSL command line.
# Usage: OPENSSL=/usr/bin/openssl ./make.sh   (run in this directory; rewrites every fixture)
set -eu
O=${OPENSSL:-openssl}
"$O" version
rm -rf work && mkdir work
ec() { "$O" genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

cat > work/ext.cnf <<'EXT'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:ocsp.qssl.example
authorityKeyIdentifier = keyid
[responder]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
authorityKeyIdentifier = keyid
[responder_noeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
EXT
# `openssl ca` keeps the issuing CA's database (index.txt, what the responder answers
# from) and takes explicit validity dates, so the chain is valid before the responses.
ca_cnf() { # $1 = directory of the database
    mkdir -p "$1/new"; : > "$1/index.txt"; echo 1001 > "$1/serial"
    cat > "$1/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $1/index.txt
new_certs_dir = $1/new
serial = $1/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
CNF
}
# issue DB CA_CERT CA_KEY NAME CN EXTENSIONS [START END]
issue() {
    "$O" req -new -key work/$4.key -subj "/CN=$5" -out work/$4.csr
    "$O" ca -batch -notext -config "$1/ca.cnf" -cert "$2" -keyfile "$3" -in work/$4.csr \
        -startdate "${7:-20250101000000Z}" -enddate "${8:-21250101000000Z}" \
        -extfile work/ext.cnf -extensions "$6" -out $4.pem 2>/dev/null
}

# Root: ECDSA P-256, self-signed (a trust anchor: its own validity is not checked).
ec work/root.key
"$O" req -x509 -new -key work/root.key -sha256 -subj "/CN=Q-SSL OCSP test root" -days 36500 \
    -config work/ext.cnf -extensions ca -out root.pem
ca_cnf work/rootdb
# Issuing CA: RSA-2048 under the root; it signs the leaves and the responses.
"$O" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out work/ca.key
issue work/rootdb root.pem work/root.key ca "Q-SSL OCSP test CA" ca
ca_cnf work/cadb
for n in good revoked responder responder-noeku responder-expired; do ec work/$n.key; done
issue work/cadb ca.pem work/ca.key good "good.ocsp.qssl.example" leaf
issue work/cadb ca.pem work/ca.key revoked "revoked.ocsp.qssl.example" leaf
issue work/cadb ca.pem work/ca.key responder "Q-SSL OCSP responder" responder
issue work/cadb ca.pem work/ca.key responder-noeku "Q-SSL not an OCSP responder" responder_noeku
issue work/cadb ca.pem work/ca.key responder-expired "Q-SSL expired OCSP responder" responder \
    20250101000000Z 20250601000000Z
"$O" ca -batch -config work/cadb/ca.cnf -cert ca.pem -keyfile work/ca.key -revoke revoked.pem \
    -crl_reason keyCompromise 2>/dev/null
# Issued by the CA but absent from its database: the responder answers "unknown".
ca_cnf work/scratchdb
echo 1F01 > work/scratchdb/serial
ec work/unknown.key
issue work/scratchdb ca.pem work/ca.key unknown "unknown.ocsp.qssl.example" leaf
# A leaf straight under the root, answered for by the root (an ECDSA-signed response).
ec work/direct.key
echo 2001 > work/rootdb/serial
issue work/rootdb root.pem work/root.key direct "direct.ocsp.qssl.example" leaf
# Another CA and its own (properly delegated) responder: authoritative for nothing here.
ec work/other-ca.key
"$O" req -x509 -new -key work/other-ca.key -sha256 -subj "/CN=Q-SSL OCSP other CA" -days 36500 \
    -config work/ext.cnf -extensions ca -out other-ca.pem
ca_cnf work/otherdb
ec work/other-responder.key
issue work/otherdb other-ca.pem work/other-ca.key other-responder "Q-SSL other OCSP responder" responder

date -u +%s > generated-at.txt
# req NAME [request options...]: a request for NAME.pem (no nonce: a stapled response has none)
req() { n=$1; shift; "$O" ocsp -issuer "${ISSUER:-ca.pem}" -cert $n.pem -no_nonce "$@" -reqout work/$n.req; }
# resp OUT REQ CA SIGNER KEY [responder options...]
resp() {
    out=$1 rq=$2 ca=$3 signer=$4 key=$5; shift 5
    "$O" ocsp -index work/${DB:-cadb}/index.txt -CA $ca -rsigner $signer -rkey $key \
        -reqin work/$rq.req -respout $out.der "$@"
}
req good; req revoked; req unknown
ISSUER=root.pem req direct
"$O" ocsp -issuer ca.pem -sha256 -cert good.pem -no_nonce -reqout work/good-sha256.req
"$O" ocsp -issuer ca.pem -cert revoked.pem -cert good.pem -no_nonce -reqout work/two.req
# nextUpdate in a century: the end-to-end handshake test runs on the real clock.
resp good good ca.pem ca.pem work/ca.key -ndays 36500
resp revoked revoked ca.pem ca.pem work/ca.key -ndays 36500
resp unknown unknown ca.pem ca.pem work/ca.key -ndays 36500
resp good-sha256 good-sha256 ca.pem ca.pem work/ca.key -ndays 36500
resp two two ca.pem ca.pem work/ca.key -ndays 36500
resp delegated good ca.pem responder.pem work/responder.key -ndays 36500
resp delegated-keyid good ca.pem responder.pem work/responder.key -ndays 36500 -resp_key_id
resp delegated-nocerts good ca.pem responder.pem work/responder.key -ndays 36500 -resp_no_certs
resp delegated-noeku good ca.pem responder-noeku.pem work/responder-noeku.key -ndays 36500
resp delegated-expired good ca.pem responder-expired.pem work/responder-expired.key -ndays 36500
resp wrong-issuer good ca.pem other-ca.pem work/other-ca.key -ndays 36500
resp wrong-responder good ca.pem other-responder.pem work/other-responder.key -ndays 36500
resp bad-signature good ca.pem ca.pem work/ca.key -ndays 36500 -badsig
# CertID hashed with SHA-224 in the response; signed with sha1WithRSAEncryption.
resp certid-sha224 good ca.pem ca.pem work/ca.key -ndays 36500 -rcid sha224
resp sigalg-sha1 good ca.pem ca.pem work/ca.key -ndays 36500 -rmd sha1
resp expired good ca.pem ca.pem work/ca.key -nmin 1
resp no-next-update good ca.pem ca.pem work/ca.key
DB=rootdb resp direct direct root.pem root.pem work/root.key -ndays 36500
# An OCSPRequest with an empty requestList (RFC 6960 §4.1.1, hand-written DER): the
# responder answers malformedRequest, a response without responseBytes.
printf '\060\004\060\002\060\000' > work/empty.req
# (`openssl ocsp` then prints "Responder Error: malformedrequest" and exits 1.)
resp malformed-request empty ca.pem ca.pem work/ca.key || test -s malformed-request.der

cp work/good.key good.key
cp work/revoked.key revoked.key
rm -rf work
for f in *.der; do
    echo "== $f"
    "$O" ocsp -respin $f -resp_text -noverify 2>/dev/null |
        grep -E "Response Status|Responder Id|Cert Status|This Update|Next Update|Signature Algorithm|Hash Algorithm|Serial Number" |
        sort -u
done
