#!/usr/bin/env bash
# Installs the cis490 trainer receiver on this Linux host as a systemd service.
# Run from a built checkout (npm ci && npm run build); see etc/README.md.
set -euo pipefail

readonly UNIT_NAME=cis490-trainer-receiver.service
readonly SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly REPO_DIR=$(dirname -- "$SCRIPT_DIR")
# The unit's StateDirectory=: the default data dir.
readonly STATE_DIR=/var/lib/cis490-receiver
# How long a (re)started receiver gets to answer /v1/health.
readonly HEALTH_WAIT_S=30

# Each service has a user of its own: on a host running both, the trainer
# (running as the worker's user) cannot read what the receiver owns.
readonly DEFAULT_USER=cis490-receiver

# shellcheck source=scripts/install-common.sh
. "$SCRIPT_DIR/install-common.sh"

# The env file's variables (SPEC §4), in the order they are written.
readonly ENV_KEYS=(CIS490_LISTEN_HOST CIS490_PORT CIS490_DATA_DIR CIS490_MANIFEST
  CIS490_OPERATOR_TOKEN CIS490_WORKER_TOKEN CIS490_STALE_AFTER_S CIS490_SWEEP_INTERVAL_S
  CIS490_HEARTBEAT_INTERVAL_S CIS490_MAX_UPLOAD_BYTES CIS490_TLS_CERT CIS490_TLS_KEY
  CIS490_TLS_CA CIS490_DATABASE_URL)

usage() {
  cat <<EOF
usage: $(basename -- "$0") [options]

Installs cis490-trainer-receiver as the systemd service $UNIT_NAME: creates
the service user and the data dir, puts the example manifest in place if there
is none, writes the env file, installs the unit, enables and starts it, and
waits for /v1/health. Running it again with the same flags changes nothing.

options:
  --data-dir DIR              training_jobs.db and models/ (default: $STATE_DIR)
  --manifest FILE             the training manifest; etc/training_manifest.toml.example
                              is copied there if it does not exist
                              (default: /etc/cis490/training_manifest.toml)
  --operator-token-file FILE  file holding CIS490_OPERATOR_TOKEN (without one,
                              operator endpoints answer 403)
  --worker-token-file FILE    file holding CIS490_WORKER_TOKEN (without one,
                              worker endpoints are open)
                              (both, when not given, keep what the env file already says)
  --listen-host HOST          address to listen on (default: 127.0.0.1)
  --port PORT                 (default: 8471)
$(tls_usage 28 'with --cert/--key: require client certificates signed by this CA (mTLS)' "the receiver's certificate: serve HTTPS")
$(common_usage 28 /etc/cis490/receiver.env)

Generate a token with: (umask 077; openssl rand -hex 32 > operator.token)
EOF
}

data_dir=$STATE_DIR manifest=/etc/cis490/training_manifest.toml
operator_token_file='' worker_token_file='' listen_host=127.0.0.1 port=8471
user=$DEFAULT_USER env_file=/etc/cis490/receiver.env unit_dir=/etc/systemd/system
checkout=$REPO_DIR node_bin=''

while (($#)); do
  case $1 in
    --data-dir) need_value "$@"; data_dir=$2; shift 2 ;;
    --manifest) need_value "$@"; manifest=$2; shift 2 ;;
    --operator-token-file) need_value "$@"; operator_token_file=$2; shift 2 ;;
    --worker-token-file) need_value "$@"; worker_token_file=$2; shift 2 ;;
    --listen-host) need_value "$@"; listen_host=$2; shift 2 ;;
    --port) need_value "$@"; port=$2; shift 2 ;;
    *) tls_option "$@" || common_option "$@"; shift "$TAKEN" ;;
  esac
done

# --- Check everything before changing anything --------------------------------

[[ $listen_host =~ ^[A-Za-z0-9.:_-]+$ ]] || die "--listen-host must be a host name or an IP address, got: $listen_host"
[[ $port =~ ^[0-9]{1,5}$ ]] && ((10#$port >= 1 && 10#$port <= 65535)) || die "--port must be 1-65535, got: $port"
((10#$port >= 1024)) ||
  die "--port $port is privileged; the unit drops every capability (see its CAP_NET_BIND_SERVICE comment) - use a port >= 1024"
data_dir=$(absolute_path --data-dir "$data_dir")
manifest=$(absolute_path --manifest "$manifest")
check_common_options receiver
operator_token='' worker_token=''
[[ -z $operator_token_file ]] || operator_token=$(read_token --operator-token-file "$operator_token_file")
[[ -z $worker_token_file ]] || worker_token=$(read_token --worker-token-file "$worker_token_file")
check_tls_options
[[ -z $tls_ca || -n $tls_cert ]] || usage_error "--ca needs --cert and --key: mTLS runs over TLS"
require_root
require_systemd

# --- Act ------------------------------------------------------------------------

note "installing the cis490 trainer receiver from $checkout"
ensure_user "$user" "$STATE_DIR"
ensure_dir "$data_dir" 0750 "$user"
ensure_owned_tree "$data_dir" "$user"

if [[ -e $manifest ]]; then
  note "unchanged: $manifest exists (the installer never overwrites a manifest)"
else
  ensure_parent "$manifest"
  run install -m 0644 -o root -g root "$REPO_DIR/etc/training_manifest.toml.example" "$manifest"
  note "edit $manifest for this lab, then apply it with: cis490-jobs reload"
fi

managed=(
  "CIS490_LISTEN_HOST=$(env_quote "$listen_host")"
  "CIS490_PORT=$port"
  "CIS490_DATA_DIR=$(env_quote "$data_dir")"
  "CIS490_MANIFEST=$(env_quote "$manifest")"
)
[[ -z $operator_token ]] || managed+=("CIS490_OPERATOR_TOKEN=$(env_quote "$operator_token")")
[[ -z $worker_token ]] || managed+=("CIS490_WORKER_TOKEN=$(env_quote "$worker_token")")
install_tls_files "${env_file%.env}-tls" "$user" receiver
header="# cis490-trainer-receiver environment, read by $UNIT_NAME (see etc/receiver.env.example).
# Written by scripts/install-trainer-receiver.sh: a run rewrites the settings
# its flags give and keeps the others. Mode 0600, owned by root: it holds the tokens."
env_content=$(render_env_file "$env_file" "$header" "${managed[@]}")
# root:root: systemd reads it before dropping privileges; the service user needs no access.
install_file "$env_file" 0600 root "$env_content"
env_changed=$CHANGED

[[ $env_content == *$'\n'CIS490_OPERATOR_TOKEN=* ]] ||
  warn "no operator token: cancel, requeue and reload will answer 403 (pass --operator-token-file)"
tls=0
[[ $env_content != *$'\n'CIS490_TLS_CERT=* ]] || tls=1
if ((tls == 0)) && [[ ! $listen_host =~ ^(127\.|localhost$|::1$) ]]; then
  warn "listening on $listen_host without TLS: tokens cross the network in clear text (see CIS490_TLS_* in etc/receiver.env.example)"
fi

unit_content=$(render_unit "$REPO_DIR/etc/$UNIT_NAME" "$checkout" "$user" "$env_file" \
  "$data_dir" "$node_cmd")
install_file "$unit_dir/$UNIT_NAME" 0644 root "$unit_content"
unit_changed=$CHANGED
((unit_changed == 0)) || run systemctl daemon-reload

enable_and_start "$UNIT_NAME" $((env_changed || unit_changed || TLS_CHANGED))

# The receiver has no self-test: a started unit that answers /v1/health is the test.
case $listen_host in
  0.0.0.0) probe_host=127.0.0.1 ;;
  :: | ::0) probe_host='[::1]' ;;
  *:*) probe_host="[$listen_host]" ;;
  *) probe_host=$listen_host ;;
esac
health_url="http://$probe_host:$port/v1/health"
if ((tls)); then
  note "TLS is configured: check https://$probe_host:$port/v1/health yourself"
elif ((DRY_RUN)); then
  note "would wait up to ${HEALTH_WAIT_S}s for $health_url"
else
  note "waiting up to ${HEALTH_WAIT_S}s for $health_url"
  # shellcheck disable=SC2016 # the JavaScript is single-quoted on purpose
  $node_cmd -e '
    const [url, waitS] = process.argv.slice(1);
    const deadline = Date.now() + Number(waitS) * 1000;
    (async () => {
      for (;;) {
        try {
          const res = await fetch(url);
          const body = await res.json();
          if (res.ok) {
            const m = body.manifest ?? {};
            console.log(`receiver ${body.version ?? ""} is up; manifest ${m.path}: ${m.error ? "ERROR " + m.error : m.jobs + " jobs"}`);
            process.exit(0);
          }
        } catch {}
        if (Date.now() > deadline) process.exit(1);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();' "$health_url" "$HEALTH_WAIT_S" ||
    die "$UNIT_NAME did not answer $health_url; see: journalctl -u $UNIT_NAME"
fi
note "done: follow it with: journalctl -fu $UNIT_NAME"
