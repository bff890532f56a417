#!/usr/bin/env bash
# Installs DialBox on this machine: builds the statically linked release binary, installs it,
# creates a system user, a data folder and a systemd unit, starts it, and prints the address and
# the first admin password.
#
#   sudo ./install.sh [--listen 0.0.0.0:3000] [--public-url http://192.168.1.20:3000]
#   sudo ./install.sh --uninstall      # removes the service and the binary, keeps the data
set -euo pipefail

BIN_DIR=/usr/local/bin
DATA_DIR=/var/lib/dialbox
SERVICE_USER=dialbox
UNIT=/etc/systemd/system/dialbox.service
LISTEN=0.0.0.0:3000
PUBLIC_URL=""
UNINSTALL=0

while [ $# -gt 0 ]; do
    case "$1" in
        --uninstall) UNINSTALL=1 ;;
        --listen) LISTEN="$2"; shift ;;
        --public-url) PUBLIC_URL="$2"; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

have_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

if [ "$UNINSTALL" = 1 ]; then
    if have_systemd && [ -f "$UNIT" ]; then
        systemctl disable --now dialbox || true
        rm -f "$UNIT"
        systemctl daemon-reload
    fi
    rm -f "$BIN_DIR/dialbox"
    echo "DialBox removed. Its data is kept in $DATA_DIR (delete it yourself if you mean to)."
    exit 0
fi

cd "$(dirname "$0")"
command -v cargo >/dev/null || { echo "install.sh: cargo is needed to build DialBox (https://rustup.rs)" >&2; exit 1; }
TARGET="$(uname -m)-unknown-linux-gnu"
echo "Building the static release binary for $TARGET (a few minutes on a small machine)..."
# the explicit --target keeps crt-static off build scripts and proc-macros
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$TARGET"
BIN="target/$TARGET/release/dialbox"
if ldd "$BIN" 2>&1 | grep -qE 'not a dynamic executable|statically linked'; then
    echo "Built $BIN ($(du -h "$BIN" | cut -f1), statically linked)"
else
    echo "install.sh: $BIN is not statically linked:" >&2
    ldd "$BIN" >&2 || true
    exit 1
fi
install -m 0755 "$BIN" "$BIN_DIR/dialbox"

# the service's own user and data folder, with or without systemd
id -u "$SERVICE_USER" >/dev/null 2>&1 ||
    useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
mkdir -p "$DATA_DIR"
chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"
chmod 750 "$DATA_DIR"

if ! have_systemd; then
    cat <<MSG
Installed $BIN_DIR/dialbox, the user '$SERVICE_USER' and the data folder $DATA_DIR.
This machine has no systemd, so no service was set up. Run it by hand as that user (it prints
the first admin password on its first start), or from your init system:

    runuser -u $SERVICE_USER -- env DIALBOX_DATA_DIR=$DATA_DIR $BIN_DIR/dialbox serve --listen $LISTEN${PUBLIC_URL:+ --public-url $PUBLIC_URL}
MSG
    exit 0
fi


cat > "$UNIT" <<UNIT
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

systemctl daemon-reload
systemctl enable --now dialbox
echo "DialBox is running as the systemd service 'dialbox' (data in $DATA_DIR)."
# the first start prints the admin password once; it is in the service's journal
for _ in $(seq 1 20); do
    line=$(journalctl -u dialbox --no-pager -o cat 2>/dev/null | grep -m1 'First start: created user' || true)
    [ -n "$line" ] && break
    sleep 0.5
done
journalctl -u dialbox --no-pager -o cat 2>/dev/null | grep -E 'open the admin page|reachable on' | tail -5 || true
if [ -n "${line:-}" ]; then
    echo "$line"
else
    echo "(No first-start password: this data folder already had users. Use 'dialbox user passwd' to reset one.)"
fi
