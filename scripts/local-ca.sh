#!/usr/bin/env bash
# Generates the TLS material of a local cluster with openssl (used by `make run TLS=1`):
#
#   scripts/local-ca.sh DIR NODES CLUSTER
#
# DIR/ca.crt, ca.key            a CA valid for 30 days (EC P-256)
# DIR/node-N/tls.crt, tls.key   member N's certificate: URI SAN raftkv://CLUSTER/member/N (the
#                               peer port's member name), IP 127.0.0.1 and DNS localhost (what
#                               clients dial), usable as server and client certificate
# DIR/node-N/ca.crt             the CA again, as a node reads it
# DIR/admin.crt, admin.key      a client certificate for user "admin" (CN)
# DIR/tokens.csv, roles.txt     a bearer token for user "reader"; role bindings admin=admin, reader=read
# Existing material is kept (delete DIR to start over).
set -euo pipefail
DIR="$1"; NODES="$2"; CLUSTER="$3"
command -v openssl > /dev/null || { echo "local-ca.sh: openssl is needed for TLS=1" >&2; exit 2; }
mkdir -p "$DIR"
umask 077
if [[ ! -f "$DIR/ca.crt" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=raftkv-local-ca" -keyout "$DIR/ca.key" -out "$DIR/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
fi
issue() { # issue CRT KEY CN EXTENSIONS: a certificate and key signed by the CA (kept if present)
  local crt=$1 key=$2 cn=$3 ext=$4
  [[ -f "$crt" ]] && return
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$key" -out "$crt.csr" 2> /dev/null
  printf '%s\n' "$ext" > "$crt.ext"
  openssl x509 -req -in "$crt.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 30 -extfile "$crt.ext" -out "$crt" 2> /dev/null
  rm -f "$crt.csr" "$crt.ext"
}
for i in $(seq 1 "$NODES"); do
  mkdir -p "$DIR/node-$i"
  issue "$DIR/node-$i/tls.crt" "$DIR/node-$i/tls.key" "member-$i" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:raftkv://$CLUSTER/member/$i,IP:127.0.0.1,DNS:localhost"
  cp "$DIR/ca.crt" "$DIR/node-$i/ca.crt"
done
issue "$DIR/admin.crt" "$DIR/admin.key" admin "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
if [[ ! -f "$DIR/tokens.csv" ]]; then
  printf '%s,reader\n' "$(openssl rand -hex 24)" > "$DIR/tokens.csv"
fi
if [[ ! -f "$DIR/roles.txt" ]]; then
  printf '# user role [key-prefix]\nadmin admin\nreader read\n' > "$DIR/roles.txt"
fi
