#!/usr/bin/env bash
# Builds what an office downloads: dialbox and the dialbox-phone simulator for Linux x86_64,
# Linux ARM64 (mini PCs, NAS boxes, Raspberry Pi) and Windows x86_64, cross-built on this Debian
# box, into dist/ — a folder and an archive per platform, each with a short README, and
# dist/SHA256SUMS.
#
# Usage: scripts/release.sh [--target TRIPLE]... [--profile release|dev] [--out DIR] [--server-only]
# Needs: rustup targets aarch64-unknown-linux-gnu and x86_64-pc-windows-gnu, and Debian's
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and mingw-w64 (the linkers, .cargo/config.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=()
PROFILE=release
OUT=dist
SERVER_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --target) TARGETS+=("${2:?--target needs a triple}"); shift ;;
        --profile) PROFILE="${2:?--profile needs a name}"; shift ;;
        --out) OUT="${2:?--out needs a folder}"; shift ;;
        --server-only) SERVER_ONLY=1 ;;
        -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "release.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-pc-windows-gnu)
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
# cargo names the dev profile's folder `debug`
DIR_OF_PROFILE="$PROFILE"
[ "$PROFILE" = dev ] && DIR_OF_PROFILE=debug

platform_of() {
    case "$1" in
        x86_64-unknown-linux-gnu) echo linux-x86_64 ;;
        aarch64-unknown-linux-gnu) echo linux-arm64 ;;
        x86_64-pc-windows-gnu) echo windows-x86_64 ;;
        *) echo "release.sh: no platform name for $1" >&2; exit 2 ;;
    esac
}

# every missing piece named at once, before a long build
missing=()
installed="$(rustup target list --installed 2>/dev/null || true)"
for t in "${TARGETS[@]}"; do
    platform_of "$t" >/dev/null
    grep -qx "$t" <<<"$installed" || missing+=("rustup target add $t")
    case "$t" in
        aarch64-*) command -v aarch64-linux-gnu-gcc >/dev/null || missing+=("apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross") ;;
        *windows-gnu) command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=("apt-get install mingw-w64") ;;
    esac
done
if [ ${#missing[@]} -gt 0 ]; then
    printf 'release.sh: missing: %s\n' "${missing[@]}" >&2
    exit 1
fi

readme() { # platform → the README.txt of its folder
    case "$1" in
        linux-*) cat <<EOF
DialBox $VERSION for Linux ($1), statically linked: runs on any distribution.

  ./dialbox                 start on the defaults: port 3000, data in ~/.local/share/dialbox;
                            the admin password is printed once
  ./dialbox --help          every option (each also reads a DIALBOX_* variable)

As a systemd service (user dialbox, data in /var/lib/dialbox), from a DialBox checkout:
  sudo ./install.sh --binary /path/to/this/dialbox

dialbox-phone is the work-phone simulator (for app developers and benchmarks).
Check the download: sha256sum -c SHA256SUMS (in the folder above).
EOF
        ;;
        windows-*) cat <<EOF
DialBox $VERSION for Windows 10/11 (x86_64).

Double-click dialbox.exe: it starts on port 3000, prints the admin password once and opens the
admin page in the browser. Close the window to stop it. Data: %APPDATA%\\dialbox\\data.

To run it as a Windows service (starts with Windows, data in %ProgramData%\\DialBox), in a
command prompt opened as administrator:
  dialbox.exe service install     registers it, prints the admin password, opens the port
                                  in the Windows firewall
  dialbox.exe service start | stop | uninstall
The service logs to %ProgramData%\\DialBox\\dialbox.log.

dialbox-phone.exe is the work-phone simulator (for app developers).
EOF
        ;;
    esac
}

mkdir -p "$OUT"
made=() # paths inside $OUT, for the sums and the listing
for t in "${TARGETS[@]}"; do
    platform="$(platform_of "$t")"
    echo "release.sh: building $t ($PROFILE)..."
    # crt-static: one file with no libc to match; the explicit --target keeps the flag off
    # build scripts and proc-macros
    bins=(dialbox dialbox-phone)
    build=(--workspace --bin dialbox --bin dialbox-phone)
    if [ "$SERVER_ONLY" = 1 ]; then bins=(dialbox); build=(--bin dialbox); fi
    RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build --locked --profile "$PROFILE" --target "$t" "${build[@]}"
    exe=""
    [[ "$t" == *windows* ]] && exe=".exe"
    name="dialbox-$VERSION-$platform"
    rm -rf "${OUT:?}/$name"
    mkdir -p "$OUT/$name"
    for bin in "${bins[@]}"; do
        cp "${CARGO_TARGET_DIR:-target}/$t/$DIR_OF_PROFILE/$bin$exe" "$OUT/$name/"
        made+=("$name/$bin$exe")
    done
    readme "$platform" > "$OUT/$name/README.txt"
    case "$platform" in
        windows-*)
            rm -f "$OUT/$name.zip"
            (cd "$OUT" && python3 -m zipfile -c "$name.zip" "$name/")
            made+=("$name.zip") ;;
        *)
            tar -C "$OUT" -czf "$OUT/$name.tar.gz" "$name"
            made+=("$name.tar.gz") ;;
    esac
done

(cd "$OUT" && sha256sum -- "${made[@]}" > SHA256SUMS)
echo "release.sh: $OUT/ (sizes in bytes; sums in $OUT/SHA256SUMS)"
(cd "$OUT" && stat -c '  %10s  %n' -- "${made[@]}")
