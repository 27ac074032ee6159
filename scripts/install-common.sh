# Shared by scripts/install-*.sh (sourced, not run): argument checks, the
# `run` helper every action goes through, and idempotent file/user/unit steps.
# Needs bash >= 4.3 and GNU coreutils.

DRY_RUN=0
# Set by install_file: 1 when the file's content was (or would be) written.
CHANGED=0
# systemd's default PATH for services: node must be found on it, as in ExecStart.
readonly SERVICE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

note() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'error: %s\n' "$1" >&2
  usage >&2
  exit 2
}
# For `--flag VALUE` parsing: "$@" is the remaining argv.
need_value() { (($# >= 2)) && [[ $2 != --* ]] || usage_error "$1 needs a value"; }

# The options both installers take, into the same variables; anything else
# is a usage error. Sets TAKEN to how many arguments the option used.
common_option() {
  case $1 in
    --user) need_value "$@"; user=$2; TAKEN=2 ;;
    --env-file) need_value "$@"; env_file=$2; TAKEN=2 ;;
    --unit-dir) need_value "$@"; unit_dir=$2; TAKEN=2 ;;
    --checkout) need_value "$@"; checkout=$2; TAKEN=2 ;;
    --node) need_value "$@"; node_bin=$2; TAKEN=2 ;;
    --dry-run) DRY_RUN=1; TAKEN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown option: $1" ;;
  esac
}

# Checks and resolves common_option's values; sets main_js (app $1's entry
# in the checkout) and node_cmd.
check_common_options() {
  check_user_name "$user"
  env_file=$(absolute_path --env-file "$env_file")
  unit_dir=$(absolute_path --unit-dir "$unit_dir")
  checkout=$(absolute_path --checkout "$checkout")
  main_js="$checkout/dist/apps/$1/src/main.js"
  check_built "$main_js" "$checkout"
  node_cmd=$(node_command "$node_bin")
}

# The help lines of common_option's options, aligned at column $1; $2 is the env file's default.
common_usage() {
  printf "  %-${1}s%s\n" \
    '--user NAME' "service user, created if missing (default: $DEFAULT_USER)" \
    '--env-file FILE' "(default: $2)" \
    '--unit-dir DIR' '(default: /etc/systemd/system)' \
    '--checkout DIR' "the built checkout the service runs (default: $REPO_DIR)" \
    '--node BIN' "node binary for the unit (default: node on the service's PATH)" \
    '--dry-run' 'print every action, change nothing' \
    '-h, --help' 'this text'
}

quote_argv() {
  local out
  out=$(printf '%q ' "$@")
  printf '%s' "${out% }"
}

# Env file lines shown in a dry run, secrets masked.
redact() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^([A-Za-z0-9_]*TOKEN[A-Za-z0-9_]*)= ]]; then
      line="${BASH_REMATCH[1]}=<redacted>"
    fi
    printf '    | %s\n' "$line"
  done
}

# The one way this installer changes the system: prints the command, then runs
# it unless --dry-run. `run --input TEXT cmd…` feeds TEXT (plus a newline) on
# stdin; in a dry run TEXT is shown instead, with tokens masked.
run() {
  local input='' has_input=0
  if [[ $1 == --input ]]; then
    input=$2 has_input=1
    shift 2
  fi
  if ((DRY_RUN)); then
    printf 'would run: %s\n' "$(quote_argv "$@")"
    ((has_input == 0)) || printf '%s\n' "$input" | redact
    return 0
  fi
  printf '+ %s\n' "$(quote_argv "$@")"
  if ((has_input)); then "$@" <<<"$input"; else "$@"; fi
}

require_root() {
  ((DRY_RUN)) || ((EUID == 0)) || die "run this as root (or try --dry-run first)"
}

require_systemd() {
  ((DRY_RUN)) || [[ -d /run/systemd/system ]] ||
    die "systemd is not running on this host; these units need it"
}

# Read-only systemctl query; false when systemd is not running (e.g. a dry run in a container).
systemd_query() { [[ -d /run/systemd/system ]] && systemctl --quiet "$@" 2>/dev/null; }

check_user_name() {
  [[ $1 =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "--user must be a valid user name, got: $1"
}

# Absolute, normalized, and free of characters that unit files would read as
# separators or specifiers (space, %, quotes).
absolute_path() {
  local flag=$1 path
  path=$(realpath -m -- "$2")
  [[ $path =~ ^/[A-Za-z0-9._/+@:,=-]*$ ]] ||
    die "$flag: use a path of letters, digits and ._/+@:,=- only, got: $path"
  printf '%s' "$path"
}

# Env file values are written double-quoted; systemd would unescape \" and \\
# but may expand $ and `, so those are refused rather than guessed at.
check_env_value() {
  local flag=$1 value=$2
  [[ $value != *[\$\`]* ]] || die "$flag must not contain \$ or \`"
  [[ $value != *[[:cntrl:]]* ]] || die "$flag must not contain control characters"
}

env_quote() {
  local v=$1
  v=${v//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}

# Never echoes the token: errors describe it without showing it.
read_token() {
  local flag=$1 file=$2 token
  [[ -f $file && -r $file ]] || die "$flag: cannot read $file"
  token=$(<"$file")
  token=${token%$'\r'}
  [[ -n $token ]] || die "$flag: $file is empty"
  [[ $token =~ ^[A-Za-z0-9._~+/=-]+$ ]] ||
    die "$flag: the token in $file must be one line of letters, digits and ._~+/=- (e.g. from openssl rand -hex 32)"
  ((${#token} >= 8)) || die "$flag: the token in $file must be at least 8 characters"
  if [[ $(stat -c '%A' -- "$file") == ???????r* ]]; then
    warn "$file is readable by every user; consider chmod 600 $file"
  fi
  printf '%s' "$token"
}

check_built() {
  local main_js=$1 checkout=$2
  [[ -f $main_js ]] ||
    die "$main_js not found: $checkout is not built. Run \`npm ci && npm run build\` in $checkout, then run this again."
}

# The argv prefix ExecStart uses to start node.
node_command() {
  local bin=$1
  if [[ -z $bin ]]; then
    PATH=$SERVICE_PATH command -v node >/dev/null ||
      warn "node is not on the service PATH ($SERVICE_PATH): the service will not start; pass --node /path/to/node"
    printf '/usr/bin/env node'
    return
  fi
  bin=$(absolute_path --node "$bin")
  [[ -x $bin ]] || die "--node: $bin is not executable"
  printf '%s' "$bin"
}

group_of() {
  local g
  if g=$(id -gn -- "$1" 2>/dev/null); then printf '%s' "$g"; else printf '%s' "$1"; fi
}

ensure_user() {
  local user=$1 home=$2
  if getent passwd "$user" >/dev/null; then
    note "unchanged: user $user exists"
    return
  fi
  run useradd --system --user-group --home-dir "$home" --no-create-home \
    --shell /usr/sbin/nologin --comment "cis490 training fleet" "$user"
}

# /dev/nvidia* are 0666 on most hosts; where a distribution makes them
# group-owned (video, render) the service user must be in that group.
ensure_gpu_groups() {
  local user=$1 group groups
  groups=" $(id -nG -- "$user" 2>/dev/null || true) "
  for group in video render; do
    getent group "$group" >/dev/null || continue
    if [[ $groups == *" $group "* ]]; then
      note "unchanged: $user is in group $group"
    else
      run usermod --append --groups "$group" "$user"
    fi
  done
}

# Parent dirs made (or, in a dry run, that would be made) by this run.
declare -A MADE_DIRS=()

# Creates FILE's parent dir (root, 0755) when missing.
ensure_parent() {
  local dir
  dir=$(dirname -- "$1")
  [[ -d $dir || -v "MADE_DIRS[$dir]" ]] && return
  run install -d -m 0755 "$dir"
  MADE_DIRS[$dir]=1
}

ensure_dir() {
  local dir=$1 mode=$2 owner=$3 group
  group=$(group_of "$owner")
  if [[ -d $dir && $(stat -c '%a %U %G' -- "$dir") == "${mode#0} $owner $group" ]]; then
    note "unchanged: $dir"
    return
  fi
  run install -d -m "$mode" -o "$owner" -g "$group" "$dir"
}

# A dir an earlier install made for another user (before each service had
# its own): everything in it passes to OWNER, or the service could not write
# its database or clean its job dirs.
ensure_owned_tree() {
  local dir=$1 owner=$2
  [[ -d $dir ]] || return 0
  getent passwd "$owner" >/dev/null || return 0
  [[ -z $(find "$dir" \( ! -user "$owner" -o ! -group "$(group_of "$owner")" \) -print -quit 2>/dev/null) ]] && return
  run chown -R "$owner:$(group_of "$owner")" "$dir"
}

# DEST already holds what it should: CHANGED=0, and its mode and owner are
# repaired if they drifted.
keep_file() {
  local dest=$1 mode=$2 owner=$3 group=$4
  CHANGED=0
  if [[ $(stat -c '%a %U %G' -- "$dest") == "${mode#0} $owner $group" ]]; then
    note "unchanged: $dest"
  else
    run chown "$owner:$group" "$dest"
    run chmod "$mode" "$dest"
  fi
}

# Writes CONTENT (plus a final newline) to DEST only when it differs, and
# repairs mode/owner either way. Sets CHANGED.
install_file() {
  local dest=$1 mode=$2 owner=$3 content=$4 group
  group=$(group_of "$owner")
  if [[ -f $dest && -r $dest ]] && cmp -s -- "$dest" <(printf '%s\n' "$content"); then
    keep_file "$dest" "$mode" "$owner" "$group"
    return
  fi
  CHANGED=1
  ensure_parent "$dest"
  run --input "$content" install -m "$mode" -o "$owner" -g "$group" /dev/stdin "$dest"
}

# The env file: HEADER, then the keys of ENV_KEYS (the caller's array, in that
# order), each from the flags ("KEY=value" arguments) or else as already in
# FILE, then any other variable already in FILE. Stable order makes a second
# run byte-identical.
render_env_file() {
  local file=$1 header=$2 entry key line
  shift 2
  local -A line_of=()
  local -a others=()
  if [[ -f $file && -r $file ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)= ]] || continue
      key=${BASH_REMATCH[1]}
      [[ ! -v "line_of[$key]" ]] || continue
      line_of[$key]=$line
      [[ " ${ENV_KEYS[*]} " == *" $key "* ]] || others+=("$key")
    done <"$file"
  fi
  for entry; do line_of[${entry%%=*}]=$entry; done
  printf '%s\n' "$header"
  for key in "${ENV_KEYS[@]}"; do
    [[ ! -v "line_of[$key]" ]] || printf '%s\n' "${line_of[$key]}"
  done
  if ((${#others[@]})); then
    printf '# Set by hand, kept by the installer:\n'
    for key in "${others[@]}"; do printf '%s\n' "${line_of[$key]}"; done
  fi
}

# The unit from etc/ with this host's paths: TEMPLATE CHECKOUT USER ENV_FILE
# WRITABLE_DIR NODE_CMD.
render_unit() {
  local template=$1 checkout=$2 user=$3 env_file=$4 writable=$5 node_cmd=$6 line group
  group=$(group_of "$user")
  [[ -f $template ]] || die "$template is missing from this checkout"
  while IFS= read -r line || [[ -n $line ]]; do
    case $line in
      User=*) line="User=$user" ;;
      Group=*) line="Group=$group" ;;
      EnvironmentFile=*) line="EnvironmentFile=$env_file" ;;
      ReadWritePaths=*) line="ReadWritePaths=$writable" ;;
      *) line=${line//\/opt\/cis490-fleet/"$checkout"} ;;
    esac
    [[ $line != ExecStart=/usr/bin/env\ node\ * ]] ||
      line="ExecStart=$node_cmd ${line#ExecStart=/usr/bin/env node }"
    printf '%s\n' "$line"
  done <"$template"
}

enable_and_start() {
  local unit=$1 changed=$2
  if systemd_query is-enabled "$unit"; then
    note "unchanged: $unit is enabled"
  else
    run systemctl enable "$unit"
  fi
  if ! systemd_query is-active "$unit"; then
    run systemctl start "$unit"
  elif ((changed)); then
    run systemctl restart "$unit"
  else
    note "unchanged: $unit is running"
  fi
}

# The trainer runs with its job dir as cwd, so a relative path in it would not resolve.
check_trainer_path() {
  local word words
  read -ra words <<<"$1"
  for word in "${words[@]}"; do
    if [[ $word == */* && $word != /* && $word != -* ]]; then
      warn "--trainer: $word is a relative path, but the trainer runs in its job dir; use an absolute path"
    fi
  done
}

# --- TLS files (SPEC §12): --ca, --cert, --key --------------------------------

# The options' values, set by tls_option; both installers take them.
tls_ca='' tls_cert='' tls_key=''
# Set by install_tls_files: 1 when a file was (or would be) written, so the service restarts.
TLS_CHANGED=0

# Like common_option, for --ca/--cert/--key; returns 1 when $1 is none of them.
tls_option() {
  case $1 in
    --ca) need_value "$@"; tls_ca=$2; TAKEN=2 ;;
    --cert) need_value "$@"; tls_cert=$2; TAKEN=2 ;;
    --key) need_value "$@"; tls_key=$2; TAKEN=2 ;;
    *) return 1 ;;
  esac
}

# Help lines for --ca/--cert/--key, aligned at column $1; $2 says what --ca is for, $3 whose certificate it is.
tls_usage() {
  printf "  %-${1}s%s\n" \
    '--ca FILE' "$2" \
    '--cert FILE' "$3 (PEM; with --key)" \
    '--key FILE' 'its private key (PEM)' \
    '' '(copied next to the env file, readable by the service user only;'  \
    '' ' scripts/make-lab-ca.sh makes all three)'
}

# Checks the files before anything changes: readable, PEM of their kind, --cert with --key.
check_tls_options() {
  [[ -n $tls_cert || -z $tls_key ]] || usage_error "--key needs --cert"
  [[ -n $tls_key || -z $tls_cert ]] || usage_error "--cert needs --key"
  local flag file
  for flag in --ca --cert --key; do
    case $flag in --ca) file=$tls_ca ;; --cert) file=$tls_cert ;; --key) file=$tls_key ;; esac
    [[ -z $file ]] || [[ -f $file && -r $file ]] || die "$flag: cannot read $file"
  done
  command -v openssl >/dev/null || return 0
  [[ -z $tls_ca ]] || openssl x509 -in "$tls_ca" -noout 2>/dev/null || die "--ca: $tls_ca is not a PEM certificate"
  [[ -z $tls_cert ]] || openssl x509 -in "$tls_cert" -noout 2>/dev/null || die "--cert: $tls_cert is not a PEM certificate"
  [[ -z $tls_key ]] || openssl pkey -in "$tls_key" -noout 2>/dev/null || die "--key: $tls_key is not a PEM private key"
  if [[ -n $tls_cert ]] &&
    [[ $(openssl x509 -in "$tls_cert" -noout -pubkey) != "$(openssl pkey -in "$tls_key" -pubout)" ]]; then
    die "--key: $tls_key is not the key of --cert $tls_cert"
  fi
}

# Copies SRC to DEST only when it differs, repairing mode and owner either
# way; the content is never shown (a private key). Sets CHANGED.
install_copy() {
  local src=$1 dest=$2 mode=$3 owner=$4 group
  group=$(group_of "$owner")
  if [[ -f $dest && -r $dest ]] && cmp -s -- "$src" "$dest"; then
    keep_file "$dest" "$mode" "$owner" "$group"
    return
  fi
  CHANGED=1
  run install -m "$mode" -o "$owner" -g "$group" "$src" "$dest"
}

# Installs the given TLS files into DIR (mode 0700, owned by OWNER, each file
# 0600) as ca.crt, NAME.crt and NAME.key, and adds their CIS490_TLS_* lines
# to the caller's `managed` array. Sets TLS_CHANGED.
install_tls_files() {
  local dir=$1 owner=$2 name=$3
  [[ -n $tls_ca || -n $tls_cert ]] || return 0
  ensure_dir "$dir" 0700 "$owner"
  if [[ -n $tls_ca ]]; then
    install_copy "$tls_ca" "$dir/ca.crt" 0600 "$owner"
    ((TLS_CHANGED |= CHANGED)) || true
    managed+=("CIS490_TLS_CA=$(env_quote "$dir/ca.crt")")
  fi
  if [[ -n $tls_cert ]]; then
    install_copy "$tls_cert" "$dir/$name.crt" 0600 "$owner"
    ((TLS_CHANGED |= CHANGED)) || true
    install_copy "$tls_key" "$dir/$name.key" 0600 "$owner"
    ((TLS_CHANGED |= CHANGED)) || true
    managed+=("CIS490_TLS_CERT=$(env_quote "$dir/$name.crt")" "CIS490_TLS_KEY=$(env_quote "$dir/$name.key")")
  fi
}
