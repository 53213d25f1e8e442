#!/bin/sh
# Makes the RSA PKCS#1 v1.5 CA fixtures of tests/verify_chains.rs with OpenSSL 3.5.
# Usage: OPENSSL=/path/to/openssl3.5/bin/openssl ./make.sh
set -eu
O=${OPENSSL:-openssl}
"$O" version
"$O" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-root.key.pem
"$O" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-int.key.pem
cat > ca.ext <<'EXT'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
# Root: self-signed, sha256WithRSAEncryption (PKCS#1 v1.5).
"$O" req -x509 -new -key rsa-root.key.pem -sha256 -subj "/CN=Q-SSL PKCS1 test root" \
    -days 36500 -extensions ca -config ca.ext -out rsa-root.cert.pem 2>/dev/null || \
"$O" req -x509 -new -key rsa-root.key.pem -sha256 -subj "/CN=Q-SSL PKCS1 test root" \
    -days 36500 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out rsa-root.cert.pem
"$O" req -new -key rsa-int.key.pem -subj "/CN=Q-SSL PKCS1 test intermediate" -out int.csr
# Intermediates: the same key, signed by the root with PKCS#1 v1.5 over SHA-256/384/512.
for h in sha256 sha384 sha512; do
    "$O" x509 -req -in int.csr -CA rsa-root.cert.pem -CAkey rsa-root.key.pem -$h \
        -set_serial 0x$(printf '%s' $h | od -An -tx1 | tr -d ' \n') -days 36500 \
        -extfile ca.ext -extensions ca -out rsa-int-pkcs1-$h.cert.pem
done
rm -f int.csr ca.ext rsa-root.key.pem
for f in rsa-root.cert.pem rsa-int-pkcs1-*.cert.pem; do "$O" x509 -in $f -noout -text | grep -E "Signature Algorithm|Not (Before|After)" | sort -u; done
