// The shell run by local.Command. Scripts are constant text: every value
// (URI, names, XML, paths) arrives in an environment variable and is only
// ever expanded inside double quotes, so nothing from a lab file or the stack
// config is parsed by the shell. Remote commands, which cannot rely on sshd
// accepting environment variables, quote values with shQuote instead.

/** POSIX single-quote quoting: safe for any byte string except NUL. */
export function shQuote(value: string): string {
  if (value.includes("\0")) throw new Error("a shell argument cannot contain NUL");
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// Under pipefail, \`virsh ... | grep -q\` fails when grep exits before virsh has written its last
// line (SIGPIPE, status 141): every test reads its whole input (grep >/dev/null).
const PRELUDE = `set -euo pipefail
v() { virsh -q -c "$WL_URI" "$@"; }
xml=$(mktemp); trap 'rm -f "$xml"' EXIT
# libvirt refuses a pool refresh while another volume's create or upload runs in it
# (VMs' volumes are made in parallel): wait that out, fail on anything else.
refresh() {
  local i out
  for i in $(seq 1 240); do
    if out=$(v pool-refresh "$1" 2>&1); then return 0; fi
    case "$out" in *"asynchronous jobs running"*) sleep 0.5 ;; *) echo "$out" >&2; return 1 ;; esac
  done
  echo "$out" >&2
  return 1
}
`;

export const NETWORK_CREATE = `${PRELUDE}printf '%s' "$WL_XML" > "$xml"
v net-define "$xml" >/dev/null
v net-autostart "$WL_NAME" >/dev/null
if ! v net-info "$WL_NAME" | grep -E '^Active: +yes' >/dev/null; then v net-start "$WL_NAME" >/dev/null; fi
v net-info "$WL_NAME" | sed -n 's/^Bridge: *//p'
`;

export const NETWORK_DELETE = `${PRELUDE}if v net-info "$WL_NAME" >/dev/null 2>&1; then
  if v net-info "$WL_NAME" | grep -E '^Active: +yes' >/dev/null; then v net-destroy "$WL_NAME" >/dev/null; fi
  # A network someone made transient is gone once destroyed.
  if v net-info "$WL_NAME" >/dev/null 2>&1; then v net-undefine "$WL_NAME" >/dev/null; fi
fi
`;

export const POOL_CREATE = `${PRELUDE}printf '%s' "$WL_XML" > "$xml"
v pool-define "$xml" >/dev/null
v pool-build "$WL_NAME" >/dev/null
if ! v pool-info "$WL_NAME" | grep -E '^State: +running' >/dev/null; then v pool-start "$WL_NAME" >/dev/null; fi
v pool-autostart "$WL_NAME" >/dev/null
`;

// pool-delete removes the directory only when empty: a volume made by someone else survives, with a warning.
export const POOL_DELETE = `${PRELUDE}if v pool-info "$WL_NAME" >/dev/null 2>&1; then
  if v pool-info "$WL_NAME" | grep -E '^State: +running' >/dev/null; then
    refresh "$WL_NAME" >/dev/null || true
    v pool-destroy "$WL_NAME" >/dev/null
  fi
  if v pool-info "$WL_NAME" >/dev/null 2>&1; then
    v pool-delete "$WL_NAME" >/dev/null 2>&1 || echo "pool $WL_NAME: directory not removed (not empty?)" >&2
    v pool-undefine "$WL_NAME" >/dev/null
  fi
fi
`;

// A volume left by an interrupted run is stale by construction (overlays are per lab): replace it.
export const VOLUME_CREATE = `${PRELUDE}printf '%s' "$WL_XML" > "$xml"
refresh "$WL_POOL" >/dev/null
if v vol-info --pool "$WL_POOL" "$WL_NAME" >/dev/null 2>&1; then v vol-delete --pool "$WL_POOL" "$WL_NAME" >/dev/null; fi
v vol-create --pool "$WL_POOL" "$xml" >/dev/null
v vol-path --pool "$WL_POOL" "$WL_NAME"
`;

export const VOLUME_DELETE = `${PRELUDE}if v pool-info "$WL_POOL" >/dev/null 2>&1; then
  refresh "$WL_POOL" >/dev/null || true
  if v vol-info --pool "$WL_POOL" "$WL_NAME" >/dev/null 2>&1; then v vol-delete --pool "$WL_POOL" "$WL_NAME" >/dev/null; fi
fi
`;

// The seed is built here and uploaded through libvirt, so a remote (qemu+ssh://) host needs no shared filesystem.
// user-data carries the VM's private host key: it comes on stdin, never in the environment or on a command line.
export const SEED_CREATE = `${PRELUDE}dir=$(mktemp -d); trap 'rm -rf "$dir" "$xml"' EXIT
umask 077
cat > "$dir/user-data"
printf '%s' "$WL_META_DATA" > "$dir/meta-data"
printf '%s' "$WL_NETWORK_CONFIG" > "$dir/network-config"
cloud-localds --network-config="$dir/network-config" "$dir/seed.iso" "$dir/user-data" "$dir/meta-data"
refresh "$WL_POOL" >/dev/null
if v vol-info --pool "$WL_POOL" "$WL_NAME" >/dev/null 2>&1; then v vol-delete --pool "$WL_POOL" "$WL_NAME" >/dev/null; fi
v vol-create-as --pool "$WL_POOL" --name "$WL_NAME" --capacity "$(stat -c %s "$dir/seed.iso")" --format raw >/dev/null
v vol-upload --pool "$WL_POOL" "$WL_NAME" "$dir/seed.iso"
sha256sum "$dir/seed.iso" | cut -d' ' -f1
`;

export const DOMAIN_CREATE = `${PRELUDE}printf '%s' "$WL_XML" > "$xml"
v define "$xml" >/dev/null
if ! v domstate "$WL_NAME" | grep '^running' >/dev/null; then v start "$WL_NAME" >/dev/null; fi
# The host takes no part in the lab's links, yet each tap gets an IPv6 link-local address like any
# interface, and the host then sends router solicitations into the VM's NIC for the tap's whole life
# (backing off to one an hour). Queued in the tap while a DPDK-bound NIC had no driver, they reached
# the engine at its start and counted as ICMP (rx 301 and 302 for 300 sent). Off, where the taps are
# this machine's (a local URI; a remote libvirt host's taps are out of reach here).
case "$WL_URI" in
  qemu:///*|qemu+unix:///*)
    for dev in $(v domiflist "$WL_NAME" | awk '$1 != "-" {print $1}'); do
      if [ -w "/proc/sys/net/ipv6/conf/$dev/disable_ipv6" ]; then echo 1 > "/proc/sys/net/ipv6/conf/$dev/disable_ipv6"; fi
    done ;;
esac
v domuuid "$WL_NAME"
`;

export const DOMAIN_DELETE = `${PRELUDE}if v dominfo "$WL_NAME" >/dev/null 2>&1; then
  if ! v domstate "$WL_NAME" | grep '^shut off' >/dev/null; then v destroy "$WL_NAME" >/dev/null; fi
  # A transient domain disappears with destroy; a persistent one needs undefine.
  if v dominfo "$WL_NAME" >/dev/null 2>&1; then v undefine "$WL_NAME" >/dev/null; fi
fi
`;

// An ed25519 host key made once (create only); the private half leaves only as a secret output.
export const HOSTKEY_CREATE = `set -euo pipefail
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
ssh-keygen -q -t ed25519 -N '' -C "$WL_COMMENT" -f "$dir/key"
cat "$dir/key" "$dir/key.pub"
`;

// Up means: sshd answers on the management address with exactly the pinned key.
export const WAIT_SSH = `set -uo pipefail
deadline=$(( $(date +%s) + WL_TIMEOUT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  got=$(ssh-keyscan -T 5 -t ed25519 "$WL_HOST" 2>/dev/null | ssh-keygen -lf - 2>/dev/null | awk '{print $2}')
  if [ "$got" = "$WL_FINGERPRINT" ]; then echo "$WL_HOST up"; exit 0; fi
  if [ -n "$got" ]; then echo "$WL_HOST presents host key $got, expected $WL_FINGERPRINT" >&2; exit 1; fi
  sleep 3
done
echo "$WL_HOST: no SSH within $WL_TIMEOUT s" >&2
exit 1
`;
