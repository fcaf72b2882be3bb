# Shared set-up for ./scripts/demo and ./scripts/test: every prerequisite is
# installed here when absent, or the run stops with a message naming it.
# Sourced, not executed.

HEARTH_CACHE="${HEARTH_CACHE:-$HOME/.cache/hearth}"
HEARTH_NODE_MAJOR=24
# Below Linux's ephemeral range (32768-60999 by default). A port inside it can be
# taken as the local end of any outgoing connection while PostgreSQL is down in
# an outage test, and PostgreSQL then cannot listen on it again.
HEARTH_PG_PORT="${HEARTH_PG_PORT:-15432}"
export HEARTH_CACHE

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "root is needed to run: $* (install it by hand, or run as root)"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install these packages by hand: $*"
  say "installing Debian packages: $*"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# Node 24 LTS from the npm registry's `node` package when the system's is older.
ensure_node() {
  local tools="$HEARTH_CACHE/tools"
  # The npm installed below looks for its global config beside itself; keep the
  # system's (it may name a CA bundle or a proxy that the registry needs here).
  if [ -f /etc/npmrc ] && [ -z "${npm_config_globalconfig:-}" ]; then export npm_config_globalconfig=/etc/npmrc; fi
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge "$HEARTH_NODE_MAJOR" ]; then return; fi
  if [ -x "$tools/node_modules/.bin/node" ] && [ "$(node_major "$tools/node_modules/.bin/node")" -ge "$HEARTH_NODE_MAJOR" ] \
     && [ -x "$tools/node_modules/.bin/npm" ]; then
    export PATH="$tools/node_modules/.bin:$PATH"; return
  fi
  command -v npm >/dev/null 2>&1 || die "neither Node $HEARTH_NODE_MAJOR nor npm is installed: install nodejs and npm (any version) first"
  say "installing Node $HEARTH_NODE_MAJOR and npm into $tools"
  mkdir -p "$tools"
  # npm 11 runs a dependency's install script only when the project allows it;
  # the node package's script is what fetches the binary (from the registry).
  printf '{"name":"hearth-tools","private":true,"allowScripts":{"node":true}}\n' > "$tools/package.json"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error "node@$HEARTH_NODE_MAJOR" npm@11) \
    || die "could not install node@$HEARTH_NODE_MAJOR from the npm registry"
  export PATH="$tools/node_modules/.bin:$PATH"
  [ "$(node_major node)" -ge "$HEARTH_NODE_MAJOR" ] || die "node@$HEARTH_NODE_MAJOR installed but does not run"
}

# Installs the project's dependencies when package-lock.json changed since the last install.
ensure_dependencies() {
  local stamp="node_modules/.hearth-lock-hash" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node -p process.version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
  echo "$want" > "$stamp"
}

postgres_bindir() {
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  return 1
}

# Debian's Chromium, which the browser tests drive headless through playwright-core.
HEARTH_CHROMIUM="${HEARTH_CHROMIUM:-/usr/bin/chromium}"
export HEARTH_CHROMIUM
ensure_chromium() {
  if [ -x "$HEARTH_CHROMIUM" ]; then return; fi
  apt_install chromium
  [ -x "$HEARTH_CHROMIUM" ] || die "chromium installed but $HEARTH_CHROMIUM is missing (set HEARTH_CHROMIUM to its path)"
}

# A private PostgreSQL server for the tests: its own data folder and port, never the system's cluster.
ensure_postgres() {
  local bin data="$HEARTH_CACHE/postgres" owner
  bin="$(postgres_bindir)" || { apt_install postgresql; bin="$(postgres_bindir)" || die "PostgreSQL installed but pg_ctl/initdb not found"; }
  owner="$(id -un)"
  # PostgreSQL refuses to run as root; use its own system user when we are root.
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres \
      || die "cannot create the postgres system user"
    owner=postgres
    # The postgres user cannot enter root's home folder, so its cluster lives outside it.
    data="/var/tmp/hearth-postgres-$HEARTH_PG_PORT"
  fi
  run_pg() { if [ "$owner" = "$(id -un)" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }
  warn_if_ephemeral_port "$HEARTH_PG_PORT"
  mkdir -p "$HEARTH_CACHE"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $data"
    rm -rf "$data"; mkdir -p "$data"; chown "$owner" "$data"; chmod 700 "$data"
    run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null || die "initdb failed"
  fi
  if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$HEARTH_PG_PORT"
    run_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $HEARTH_PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
      || die "PostgreSQL did not start; see $data/server.log"
  fi
  export HEARTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$HEARTH_PG_PORT/postgres"
  export HEARTH_PG_BIN="$bin" HEARTH_PG_DATA="$data" HEARTH_PG_OWNER="$owner"
}

# Outgoing connections take their local port from this range; a server that
# restarts on a port inside it may find the port taken.
warn_if_ephemeral_port() {
  local low high
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || return 0
  if [ "$1" -ge "$low" ] && [ "$1" -le "$high" ]; then
    printf 'warning: port %s is in this machine'"'"'s ephemeral port range (%s-%s): a restart of the server on it can fail with "address already in use"; choose a port outside it\n' "$1" "$low" "$high" >&2
  fi
}

stop_postgres() {
  [ -n "${HEARTH_PG_DATA:-}" ] || return 0
  if [ "$HEARTH_PG_OWNER" = "$(id -un)" ]; then "$HEARTH_PG_BIN/pg_ctl" -D "$HEARTH_PG_DATA" -m fast stop >/dev/null 2>&1 || true
  else runuser -u "$HEARTH_PG_OWNER" -- "$HEARTH_PG_BIN/pg_ctl" -D "$HEARTH_PG_DATA" -m fast stop >/dev/null 2>&1 || true; fi
}
