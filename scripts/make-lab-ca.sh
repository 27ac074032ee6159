#!/usr/bin/env bash
# Makes a lab certificate authority and the certificates of a fleet (SPEC §12)
# with openssl: one for the receiver, one client certificate per worker host.
set -euo pipefail

# Long enough not to expire during a course, short enough that a lost key ends.
readonly CA_DAYS=3650
readonly CERT_DAYS=825
# A worker's ID and hostname (libs/contract WORKER_ID_PATTERN), which its certificate names.
readonly HOST_PATTERN='^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$'

usage() {
  cat <<EOF
usage: $(basename -- "$0") --out DIR [--receiver NAMES] [HOST...]

Makes, with openssl, the certificates of a lab fleet that uses TLS and mTLS:

  DIR/ca.crt, DIR/ca.key            the lab CA; reused when both are present, so
                                    certificates made before stay valid
  DIR/receiver.crt, DIR/receiver.key
                                    the receiver's certificate, for NAMES: comma-
                                    separated DNS names and IP addresses the workers
                                    use in CIS490_RECEIVER_URL, e.g. lab-receiver,10.0.0.5
  DIR/hosts/HOST.crt, DIR/hosts/HOST.key
                                    a client certificate per worker HOST, with
                                    CN = HOST and DNS name HOST: the receiver lets it
                                    act only as worker_id / hostname HOST

Certificates other than the CA's are made anew on every run. Private keys are
written mode 0600; keep DIR/ca.key off the workers and the receiver.

Then, on the receiver: CIS490_TLS_CERT=receiver.crt, CIS490_TLS_KEY=receiver.key,
CIS490_TLS_CA=ca.crt (client certificates required); on each worker and for
cis490-jobs: CIS490_TLS_CA=ca.crt, CIS490_TLS_CERT=hosts/HOST.crt,
CIS490_TLS_KEY=hosts/HOST.key (the install scripts' --ca, --cert, --key).

options:
  --out DIR          where the files go (created if missing)
  --receiver NAMES   make the receiver's certificate for these names
  --days N           validity of the certificates made, in days (default $CERT_DAYS)
  -h, --help         this help
EOF
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'error: %s\n' "$1" >&2
  usage >&2
  exit 2
}
need_value() { (($# >= 2)) && [[ $2 != --* ]] || usage_error "$1 needs a value"; }

out='' names='' days=$CERT_DAYS
hosts=()
while (($#)); do
  case $1 in
    --out) need_value "$@"; out=$2; shift 2 ;;
    --receiver) need_value "$@"; names=$2; shift 2 ;;
    --days) need_value "$@"; days=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; hosts+=("$@"); break ;;
    -*) usage_error "unknown option: $1" ;;
    *) hosts+=("$1"); shift ;;
  esac
done

[[ -n $out ]] || usage_error "--out is required"
[[ $days =~ ^[1-9][0-9]{0,4}$ ]] || usage_error "--days must be a whole number of days >= 1, got \"$days\""
[[ -n $names || ${#hosts[@]} -gt 0 || ! -e $out/ca.crt ]] ||
  usage_error "nothing to make: give --receiver NAMES and/or HOST names"
command -v openssl >/dev/null || die "openssl is not on PATH"

for host in "${hosts[@]}"; do
  [[ $host =~ $HOST_PATTERN ]] ||
    usage_error "HOST \"$host\" is not a worker name (1-128 letters, digits or ._@:- starting with a letter or digit)"
done

# NAMES → a subjectAltName value: an IPv4 or IPv6 address as IP:, anything else as DNS:.
san=''
if [[ -n $names ]]; then
  IFS=',' read -r -a name_list <<<"$names"
  for name in "${name_list[@]}"; do
    name=${name//[[:space:]]/}
    [[ -n $name ]] || usage_error "--receiver has an empty name in \"$names\""
    if [[ $name =~ ^[0-9]+(\.[0-9]+){3}$ || $name == *:* ]]; then
      san+="${san:+,}IP:$name"
    elif [[ $name =~ ^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
      san+="${san:+,}DNS:$name"
    else
      usage_error "--receiver name \"$name\" is neither a DNS name nor an IP address"
    fi
  done
  receiver_cn=${name_list[0]//[[:space:]]/}
fi

# Keys are created unreadable by others: umask before openssl writes them, chmod for keys already there.
umask 077
mkdir -p -- "$out/hosts"
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# $1 the name (file stem), $2 CN, $3 subjectAltName, $4 extendedKeyUsage.
issue() {
  local stem=$1 cn=$2 alt=$3 usage=$4
  new_key "$stem.key.new"
  openssl req -new -key "$stem.key.new" -subj "/O=cis490 lab/CN=$cn" -out "$work/req.csr"
  printf '%s\n' \
    "basicConstraints = critical, CA:FALSE" \
    "keyUsage = critical, digitalSignature, keyEncipherment" \
    "extendedKeyUsage = $usage" \
    "subjectAltName = $alt" \
    "subjectKeyIdentifier = hash" \
    "authorityKeyIdentifier = keyid" >"$work/ext.cnf"
  openssl x509 -req -in "$work/req.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -CAserial "$work/ca.srl" -days "$days" -sha256 -extfile "$work/ext.cnf" -out "$stem.crt.new" 2>/dev/null
  chmod 0600 "$stem.key.new"
  chmod 0644 "$stem.crt.new"
  mv -f -- "$stem.key.new" "$stem.key"
  mv -f -- "$stem.crt.new" "$stem.crt"
  printf 'made %s.crt (CN=%s, %s)\n' "$stem" "$cn" "$alt"
}

if [[ -f $out/ca.crt && -f $out/ca.key ]]; then
  openssl x509 -in "$out/ca.crt" -noout 2>/dev/null || die "$out/ca.crt is not a certificate"
  chmod 0600 "$out/ca.key"
  printf 'reusing the CA in %s/ca.crt\n' "$out"
elif [[ -e $out/ca.crt || -e $out/ca.key ]]; then
  die "$out has only one of ca.crt and ca.key: restore the other, or remove both to make a new CA (every certificate it signed stops working)"
else
  new_key "$out/ca.key"
  openssl req -new -x509 -key "$out/ca.key" -subj "/O=cis490 lab/CN=cis490 lab CA" -days "$CA_DAYS" -sha256 \
    -addext "basicConstraints = critical, CA:TRUE, pathlen:0" -addext "keyUsage = critical, keyCertSign, cRLSign" \
    -out "$out/ca.crt"
  chmod 0600 "$out/ca.key"
  chmod 0644 "$out/ca.crt"
  printf 'made the CA %s/ca.crt\n' "$out"
fi

[[ -z $names ]] || issue "$out/receiver" "$receiver_cn" "$san" serverAuth
for host in "${hosts[@]}"; do
  issue "$out/hosts/$host" "$host" "DNS:$host" clientAuth
done
