#!/bin/sh
# Installs refund-bot as a systemd service (deploy/refund-bot.service). Run it as root from the
# repository after `cargo build --release`, naming your config files (and anything else they
# refer to, such as a replies folder):
#
#   sudo deploy/install.sh refund-bot.toml policy.toml
#
# It creates the system user `refund` (if missing), installs the binary and the unit, copies the
# files into /etc/refund-bot and sets who may read them:
#   /etc/refund-bot               root:refund 0750
#   its files (and folders)       root:refund 0640 (0750): the service reads them, only root
#                                 changes them, other users see nothing
#   /etc/refund-bot/secrets.env   root:root 0600: systemd reads it as root (EnvironmentFile=);
#                                 created empty if missing, never overwritten unless named
# Run it again to upgrade (no file names: the config stays as it is, its permissions are set
# again). Then put DISCORD_TOKEN=... in /etc/refund-bot/secrets.env and
#   sudo systemctl enable --now refund-bot
#
# Environment: ROOT installs under that folder instead of / (packaging, tests; the user is still
# looked up or created on this system); SERVICE_USER (default refund) must match User= in the
# unit; BIN (default target/release/refund-bot).
set -eu
umask 022

root=${ROOT:-}
user=${SERVICE_USER:-refund}
bin=${BIN:-target/release/refund-bot}
here=$(dirname "$0")
etc="$root/etc/refund-bot"

if [ "$(id -u)" != 0 ]; then
    echo "install.sh: run me as root (sudo $0 ...)" >&2
    exit 1
fi
for source in "$bin" "$@"; do
    if [ ! -e "$source" ]; then
        echo "install.sh: $source does not exist" >&2
        exit 1
    fi
done

if ! id "$user" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/refund-bot --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system"
install -m 0755 "$bin" "$root/usr/local/bin/refund-bot"
install -m 0644 "$here/refund-bot.service" "$root/etc/systemd/system/refund-bot.service"

# The folder first: nobody but root and the service's group can look inside while files land.
install -d -m 0750 -o root -g "$group" "$etc"
for source in "$@"; do
    cp -R -- "$source" "$etc/"
done
if [ ! -e "$etc/secrets.env" ]; then
    install -m 0600 -o root -g root /dev/null "$etc/secrets.env"
fi
chown root:root "$etc/secrets.env"
chmod 0600 "$etc/secrets.env"
find "$etc" ! -path "$etc/secrets.env" -exec chown "root:$group" {} + -exec chmod u=rwX,g=rX,o= {} +

if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
fi
echo "refund-bot installed${root:+ under $root}: put DISCORD_TOKEN=... in $etc/secrets.env, then: systemctl enable --now refund-bot"
