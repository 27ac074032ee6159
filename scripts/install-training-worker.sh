#!/usr/bin/env bash
# Enrolls this Linux host in the cis490 fleet as a training worker (systemd).
# Run from a built checkout (npm ci && npm run build); see etc/README.md.
set -euo pipefail

readonly UNIT_NAME=cis490-trainer-worker.service
readonly SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly REPO_DIR=$(dirname -- "$SCRIPT_DIR")
# The unit's StateDirectory=; HOME of the service, and the default work dir's parent.
readonly STATE_DIR=/var/lib/cis490-worker

# Each service has a user of its own: on a host running both, the trainer
# (running as the worker's user) cannot read what the receiver owns.
readonly DEFAULT_USER=cis490-worker

# shellcheck source=scripts/install-common.sh
. "$SCRIPT_DIR/install-common.sh"

# The env file's variables (SPEC §5), in the order they are written.
readonly ENV_KEYS=(CIS490_RECEIVER_URL CIS490_TRAINER_CMD CIS490_WORK_DIR CIS490_WORKER_ID
  CIS490_WORKER_TOKEN CIS490_ALLOW_JOBS CIS490_DENY_JOBS CIS490_POLL_S CIS490_KILL_GRACE_S
  CIS490_TLS_CA CIS490_TLS_CERT CIS490_TLS_KEY)

usage() {
  cat <<EOF
usage: $(basename -- "$0") --receiver URL[,URL...] --trainer CMD [options]

Installs cis490-worker as the systemd service $UNIT_NAME: creates the service
user, writes the env file, installs the unit, runs \`cis490-worker self-test\`
as the service user, and enables and starts the service only if it passes.
Running it again with the same flags changes nothing.

required:
  --receiver URLS       the receiver's base URL, e.g. http://receiver.lab:8471, or several
                        comma-separated (receivers sharing one PostgreSQL database): the
                        worker moves to the next when one does not answer, e.g.
                        http://rx1.lab:8471,http://rx2.lab:8471
  --trainer CMD         the trainer's command line (absolute paths; it runs in the job dir),
                        e.g. "node $REPO_DIR/examples/trainer/train.js"
options:
  --token-file FILE     file holding the worker token (the receiver's CIS490_WORKER_TOKEN)
  --worker-id ID        this worker's name in the queue (default: the hostname)
  --allow-jobs LIST     comma list of models this worker may train (default: all)
  --deny-jobs LIST      comma list of models this worker never trains
                        (these four, when not given, keep what the env file already says)
  --work-dir DIR        job dirs and bundles (default: $STATE_DIR/work)
$(tls_usage 22 "the CA that signed the receiver's certificate (https receivers)" "this host's client certificate, for a receiver with mTLS")
$(common_usage 22 /etc/cis490/worker.env)
EOF
}

receiver='' trainer='' token_file='' worker_id='' allow_jobs='' deny_jobs=''
user=$DEFAULT_USER work_dir="$STATE_DIR/work" env_file=/etc/cis490/worker.env
unit_dir=/etc/systemd/system checkout=$REPO_DIR node_bin=''

while (($#)); do
  case $1 in
    --receiver) need_value "$@"; receiver=$2; shift 2 ;;
    --trainer) need_value "$@"; trainer=$2; shift 2 ;;
    --token-file) need_value "$@"; token_file=$2; shift 2 ;;
    --worker-id) need_value "$@"; worker_id=$2; shift 2 ;;
    --allow-jobs) need_value "$@"; allow_jobs=$2; shift 2 ;;
    --deny-jobs) need_value "$@"; deny_jobs=$2; shift 2 ;;
    --work-dir) need_value "$@"; work_dir=$2; shift 2 ;;
    *) tls_option "$@" || common_option "$@"; shift "$TAKEN" ;;
  esac
done

[[ -n $receiver ]] || usage_error "--receiver is required"
[[ -n $trainer ]] || usage_error "--trainer is required"

# --- Check everything before changing anything --------------------------------

# One URL or several, comma-separated (SPEC §11): each checked and written
# without a trailing slash, a receiver given twice kept once, the order kept.
parse_receivers() {
  local list=$1 url i=0 which commas=${1//[^,]/}
  local total=$((${#commas} + 1))
  receiver=''
  while IFS= read -r -d ',' url; do
    i=$((i + 1))
    url=${url#"${url%%[![:space:]]*}"}
    url=${url%"${url##*[![:space:]]}"}
    which=--receiver
    ((total == 1)) || which="--receiver element $i of $total"
    [[ -n $url ]] ||
      die "$which is empty: give receivers' URLs separated by single commas, e.g. http://rx1.lab:8471,http://rx2.lab:8471"
    [[ $url =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?$ ]] ||
      die "$which must be an http:// or https:// URL, got: $url"
    url=${url%/}
    [[ ,$receiver, == *,"$url",* ]] || receiver+=${receiver:+,}$url
  done < <(printf '%s,' "$list")
}
check_env_value --receiver "$receiver"
parse_receivers "$receiver"
check_env_value --trainer "$trainer"
[[ -z $worker_id || $worker_id =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] ||
  die "--worker-id must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}"
for list in "$allow_jobs" "$deny_jobs"; do
  [[ -z $list || $list =~ ^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$ ]] ||
    die "--allow-jobs/--deny-jobs take a comma list of model names, got: $list"
done
work_dir=$(absolute_path --work-dir "$work_dir")
check_common_options worker
token=''
[[ -z $token_file ]] || token=$(read_token --token-file "$token_file")
check_trainer_path "$trainer"
check_tls_options
require_root
require_systemd

# --- Act ------------------------------------------------------------------------

note "installing the cis490 training worker from $checkout"
ensure_user "$user" "$STATE_DIR"
ensure_gpu_groups "$user"
ensure_dir "$work_dir" 0750 "$user"
ensure_owned_tree "$work_dir" "$user"

managed=(
  "CIS490_RECEIVER_URL=$(env_quote "$receiver")"
  "CIS490_TRAINER_CMD=$(env_quote "$trainer")"
  "CIS490_WORK_DIR=$(env_quote "$work_dir")"
)
[[ -z $worker_id ]] || managed+=("CIS490_WORKER_ID=$(env_quote "$worker_id")")
[[ -z $allow_jobs ]] || managed+=("CIS490_ALLOW_JOBS=$(env_quote "$allow_jobs")")
[[ -z $deny_jobs ]] || managed+=("CIS490_DENY_JOBS=$(env_quote "$deny_jobs")")
[[ -z $token ]] || managed+=("CIS490_WORKER_TOKEN=$(env_quote "$token")")
install_tls_files "${env_file%.env}-tls" "$user" worker
header="# cis490-worker environment, read by $UNIT_NAME (see etc/worker.env.example).
# Written by scripts/install-training-worker.sh: a run rewrites the settings
# its flags give and keeps the others. Mode 0600, owned by root: it holds the worker token."
env_content=$(render_env_file "$env_file" "$header" "${managed[@]}")
# root:root: systemd reads it before dropping privileges; the service user needs no access.
install_file "$env_file" 0600 root "$env_content"
env_changed=$CHANGED

unit_content=$(render_unit "$REPO_DIR/etc/$UNIT_NAME" "$checkout" "$user" "$env_file" \
  "$work_dir" "$node_cmd")
install_file "$unit_dir/$UNIT_NAME" 0644 root "$unit_content"
unit_changed=$CHANGED
((unit_changed == 0)) || run systemctl daemon-reload

# self-test runs as the service will: same user, env file, cwd, HOME and the
# sandbox lines that decide whether the work dir is writable.
note "running self-test as $user"
if ! run systemd-run --quiet --wait --pipe --collect \
  --uid="$user" --gid="$(group_of "$user")" \
  -p EnvironmentFile="$env_file" -p WorkingDirectory="$checkout" \
  -p Environment=HOME="$STATE_DIR" -p NoNewPrivileges=yes -p PrivateTmp=yes \
  -p ProtectSystem=strict -p ProtectHome=read-only -p ReadWritePaths="$work_dir" \
  $node_cmd "$main_js" self-test; then
  die "self-test failed: $UNIT_NAME was NOT enabled. Fix the items marked as failing above, then run this again."
fi
((DRY_RUN)) && note "a real run enables $UNIT_NAME only if self-test passes"

enable_and_start "$UNIT_NAME" $((env_changed || unit_changed || TLS_CHANGED))
note "done: follow it with: journalctl -fu $UNIT_NAME"
