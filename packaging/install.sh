#!/usr/bin/env bash
# Install nethcti from this source tree where there is no dpkg (NethServer 7, Rocky …), laid out as the Debian
# package lays it out (packaging/README.md); on Debian, install the package instead (packaging/build-deb).
# Needs Python >= 3.11: PYTHON=/path/to/python3.11 packaging/install.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
prefix=/opt/nethcti
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "install.sh: $python is older than Python 3.11 (set PYTHON)" >&2; exit 1; }

# nethcti and every plugin, each with the optional dependencies a conf.d may need, as in the package
projects=(.)
for dir in "$src"/plugins/*/; do [ -f "$dir/pyproject.toml" ] && projects+=("plugins/$(basename "$dir")"); done
specs=()
while IFS=$'\t' read -r project requirement _; do
    extras=${requirement#*\[}
    [ "$extras" = "$requirement" ] && extras="" || extras="[$extras"
    specs+=("$src/$project$extras")
done < <("$python" "$src/packaging/deb/projects.py" "$src" "${projects[@]}")
"$python" -m venv "$prefix"
"$prefix/bin/pip" install -q --disable-pip-version-check --upgrade pip
"$prefix/bin/pip" install -q --disable-pip-version-check "${specs[@]}"
echo /usr/local/lib/nethcti >"$(echo "$prefix"/lib/python3.*/site-packages)/nethcti-local.pth"
install -m 0755 "$src/packaging/healthcheck.py" "$prefix/bin/nethcti-healthcheck"
sed -i "1s|.*|#!$prefix/bin/python|" "$prefix/bin/nethcti-healthcheck"
ln -sfn "$prefix/bin/nethcti" /usr/bin/nethcti

install -d -m 0755 /etc/nethcti/conf.d
for sample in "$src"/conf.d/*.toml "$src/packaging/deb/05-package.toml"; do  # an existing file is kept
    [ -e "/etc/nethcti/conf.d/$(basename "$sample")" ] || install -m 0644 "$sample" /etc/nethcti/conf.d/
done
install -m 0644 "$src"/packaging/*.service /etc/systemd/system/
install -m 0644 "$src/packaging/nethcti.logrotate" /etc/logrotate.d/nethcti
sh "$src/packaging/deb/postinst" configure  # the nethcti user and its directories, as the package makes them
echo "installed in $prefix; edit /etc/nethcti/conf.d, then: systemctl enable --now nethcti"
