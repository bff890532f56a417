#!/usr/bin/env bash
# Installs DialBox on this machine: builds the statically linked release binary (or takes a
# prebuilt one), installs it, creates a system user, a data folder and a systemd unit, starts
# it, checks that it answers, and prints the address and the first admin password.
# Usage: ./install.sh --help
set -euo pipefail

BIN_DIR=/usr/local/bin
DATA_DIR=/var/lib/dialbox
SERVICE_USER=dialbox
UNIT=/etc/systemd/system/dialbox.service
LISTEN=0.0.0.0:3000
PUBLIC_URL=""
UNINSTALL=0
DRY_RUN=0
PREBUILT=""

usage() {
    cat <<'USAGE'
Usage: sudo ./install.sh [options]

Installs DialBox as the systemd service 'dialbox' (data in /var/lib/dialbox, binary in
/usr/local/bin/dialbox), starts it and prints the first admin password.

Options:
  --listen ADDR:PORT     where the server listens (default 0.0.0.0:3000; an IP, not a name)
  --public-url URL       the address phones are given, e.g. http://192.168.1.20:3000
                         (default: this box's LAN address)
  --binary PATH          install this prebuilt dialbox instead of building one
  --dry-run              print what would be done, change nothing (needs no root)
  --uninstall            remove the service and the binary; the data and the user are kept
  -h, --help             this text

Without --binary it builds from this checkout with cargo (under sudo: as the user who ran
sudo, so target/ stays theirs). An upgrade is the same command: the running service restarts.
USAGE
}

fail() { echo "install.sh: $*" >&2; exit 2; }

# every flag is checked before anything is built or changed
while [ $# -gt 0 ]; do
    case "$1" in
        --uninstall) UNINSTALL=1 ;;
        --dry-run) DRY_RUN=1 ;;
        --listen | --public-url | --binary)
            [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#--}" = "$2" ] || fail "$1 needs a value (see --help)"
            case "$1" in
                --listen) LISTEN="$2" ;;
                --public-url) PUBLIC_URL="$2" ;;
                --binary) PREBUILT="$2" ;;
            esac
            shift ;;
        -h | --help) usage; exit 0 ;;
        *) fail "unknown option $1 (see --help)" ;;
    esac
    shift
done

if ! [[ "$LISTEN" =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9a-fA-F:]+\]):[0-9]{1,5}$ ]]; then
    fail "--listen must be IP:PORT, e.g. 0.0.0.0:3000 (got '$LISTEN')"
fi
port="${LISTEN##*:}"
[ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "--listen: port $port is out of range"
if [ -n "$PUBLIC_URL" ] && ! [[ "$PUBLIC_URL" =~ ^https?://[^/[:space:]]+(/.*)?$ ]]; then
    fail "--public-url must start with http:// or https:// (got '$PUBLIC_URL')"
fi
if [ -n "$PREBUILT" ]; then
    [ -f "$PREBUILT" ] && [ -x "$PREBUILT" ] || fail "--binary: $PREBUILT is not an executable file"
fi
if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
    fail "run it as root (sudo ./install.sh), or see what it would do with --dry-run"
fi

# a command that changes the machine: printed under --dry-run, run otherwise
run() {
    if [ "$DRY_RUN" = 1 ]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

have_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

if [ "$UNINSTALL" = 1 ]; then
    if have_systemd && [ -f "$UNIT" ]; then
        run systemctl disable --now dialbox || true
        run rm -f "$UNIT"
        run systemctl daemon-reload
    fi
    run rm -f "$BIN_DIR/dialbox"
    kept="Kept: its data in $DATA_DIR and the user '$SERVICE_USER' (delete them yourself if you mean to)."
    if [ "$DRY_RUN" = 1 ]; then
        echo "Dry run: nothing was removed. $kept"
    else
        echo "DialBox removed. $kept"
    fi
    exit 0
fi

cd "$(dirname "$0")"
if [ -n "$PREBUILT" ]; then
    BIN="$PREBUILT"
    echo "Installing the prebuilt $BIN (no build)."
else
    TARGET="$(uname -m)-unknown-linux-gnu"
    # under sudo, build as the user who ran it, with their cargo: no root-owned target/
    as_user=()
    if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
        as_user=(sudo -u "$SUDO_USER" -H env "PATH=$(getent passwd "$SUDO_USER" | cut -d: -f6)/.cargo/bin:$PATH")
    fi
    "${as_user[@]}" bash -c 'command -v cargo >/dev/null' ||
        fail "cargo is needed to build DialBox (https://rustup.rs), or give --binary PATH"
    echo "Building the static release binary for $TARGET (the first build takes several minutes)..."
    # the explicit --target keeps crt-static off build scripts and proc-macros
    run "${as_user[@]}" env RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build --release --locked --target "$TARGET"
    BIN="target/$TARGET/release/dialbox"
fi
if [ "$DRY_RUN" = 1 ]; then
    echo "would check that $BIN is statically linked"
else
    if ldd "$BIN" 2>&1 | grep -qE 'not a dynamic executable|statically linked'; then
        echo "Binary $BIN ($(du -h "$BIN" | cut -f1), statically linked)"
    else
        echo "install.sh: $BIN is not statically linked:" >&2
        ldd "$BIN" >&2 || true
        exit 1
    fi
fi
run install -m 0755 "$BIN" "$BIN_DIR/dialbox"

# the service's own user and data folder, with or without systemd
id -u "$SERVICE_USER" >/dev/null 2>&1 ||
    run useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
run mkdir -p "$DATA_DIR"
run chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"
run chmod 750 "$DATA_DIR"

if ! have_systemd; then
    if [ "$DRY_RUN" = 1 ]; then
        done_words="Dry run: nothing was installed. It would install"
    else
        done_words="Installed"
    fi
    cat <<MSG
$done_words $BIN_DIR/dialbox, the user '$SERVICE_USER' and the data folder $DATA_DIR.
This machine has no systemd, so no service was set up. Run it by hand as that user (it prints
the first admin password on its first start), or from your init system:

    runuser -u $SERVICE_USER -- env DIALBOX_DATA_DIR=$DATA_DIR $BIN_DIR/dialbox serve --listen $LISTEN${PUBLIC_URL:+ --public-url $PUBLIC_URL}
MSG
    exit 0
fi

unit_text() {
    cat <<UNIT
[Unit]
Description=DialBox work-phone dialer
After=network-online.target
Wants=network-online.target

[Service]
User=$SERVICE_USER
Group=$SERVICE_USER
Environment=DIALBOX_DATA_DIR=$DATA_DIR
Environment=DIALBOX_LISTEN=$LISTEN
${PUBLIC_URL:+Environment=DIALBOX_PUBLIC_URL=$PUBLIC_URL}
ExecStart=$BIN_DIR/dialbox serve
Restart=on-failure
RestartSec=2
TimeoutStopSec=30
# each phone holds a socket; 10,000 phones plus the page and the database need more than the
# default 1,024 open files
LimitNOFILE=65536
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=$DATA_DIR

[Install]
WantedBy=multi-user.target
UNIT
}

if [ "$DRY_RUN" = 1 ]; then
    echo "would write $UNIT:"
    unit_text | sed 's/^/    /'
    echo "would run: systemctl daemon-reload; systemctl enable dialbox; systemctl restart dialbox"
    exit 0
fi
unit_text >"$UNIT"
systemctl daemon-reload
systemctl enable dialbox
# restart, not start: an upgrade replaces the binary of a running service
systemctl restart dialbox

# it is only installed once it answers
ping_url="http://127.0.0.1:$port/api/v1/mobile/ping"
answered=0
for _ in $(seq 1 40); do
    if command -v curl >/dev/null 2>&1 && curl -sf "$ping_url" >/dev/null 2>&1; then
        answered=1
        break
    fi
    sleep 0.5
done
if [ "$answered" = 0 ] && command -v curl >/dev/null 2>&1; then
    echo "install.sh: the service did not answer $ping_url within 20 s; its last log lines:" >&2
    journalctl -u dialbox --no-pager -n 20 -o cat >&2 || true
    exit 1
fi
echo "DialBox is running as the systemd service 'dialbox' (data in $DATA_DIR)."
# the first start prints the admin password once; it stays in the service's journal
line=$(journalctl -u dialbox --no-pager -o cat 2>/dev/null | grep -m1 'First start: created user' || true)
journalctl -u dialbox --no-pager -o cat 2>/dev/null | grep -E 'open the admin page|reachable on' | tail -5 || true
if [ -n "$line" ]; then
    echo "$line"
    echo "(It is in the journal too: journalctl -u dialbox | grep 'First start')"
else
    echo "(No first-start password: this data folder already had users. Use 'dialbox user passwd' to reset one.)"
fi
