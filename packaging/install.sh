#!/usr/bin/env bash
# Install nethcti system-wide from this source tree: /opt/nethcti (virtualenv), systemd unit,
# logrotate, conf.d samples in /etc/nethcti/conf.d (an existing file is never overwritten).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/opt/nethcti}

python3 -m venv "$prefix"
"$prefix/bin/pip" install -q --upgrade pip
plugins=()
for dir in "$src"/plugins/*/; do plugins+=("$dir"); done
"$prefix/bin/pip" install -q "$src" "${plugins[@]}"

install -d -m 0755 /etc/nethcti/conf.d
for sample in "$src"/conf.d/*.toml; do
    [ -e "/etc/nethcti/conf.d/$(basename "$sample")" ] || install -m 0644 "$sample" /etc/nethcti/conf.d/
done
install -m 0644 "$src/packaging/nethcti.service" /etc/systemd/system/nethcti.service
install -m 0644 "$src/packaging/nethcti.logrotate" /etc/logrotate.d/nethcti
systemctl daemon-reload 2>/dev/null || true
echo "installed in $prefix; edit /etc/nethcti/conf.d, then: systemctl enable --now nethcti"
