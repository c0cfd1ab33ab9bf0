#!/usr/bin/env bash
# e2e.sh - end-to-end checks of wirelab-xdp and wirelab-sink on a real veth
# pair in two private namespaces (wlt-xdp-gen-PID, wlt-xdp-dst-PID), without
# the runner. Prints "ok"/"FAIL" per check; exit 1 if any failed.
#
#   - usage errors: one line naming the option, exit 2; non-bpffs pin dir refused
#   - load count + per-protocol counters match what wl-blast sent (mix of
#     udp, dns, tcp, icmp, arp), stats from another process, load twice refused
#   - unload detaches exactly our program and removes the pins; idempotent
#   - drop with rules drops only what they name
#   - reflect sends frames back (counted on the generator side)
#   - run: stats lines + summary, detached on SIGTERM; detached on SIGKILL
#   - a user-supplied object (count.bpf.o via --obj) loads and is measured
#   - wirelab-sink socket and af-packet count what was sent
source "$(dirname "$0")/lib.sh"
trap wl_teardown EXIT
wl_setup
set +e  # checks look at exit codes themselves

FAILS=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
jqn() { jq -r "$1" <<<"$2"; }
blast() { in_gen "$WL_BUILD/wl-blast" --dev eth1 --dst-mac "$DST_MAC" --src-ip "$GEN_IP" --dst-ip "$DST_IP" --duration 0 "$@" >/dev/null; }
PIN=$WL_BPFFS/e2e-dst-eth1

# --- usage errors ---
out=$("$WL_XDP" load --dev eth1 --prog nope --pin-dir "$PIN" 2>&1); rc=$?
check "bad --prog: exit 2, one line naming the option" eval '[ "$rc" = 2 -a "$(wc -l <<<"$out")" = 1 ] && grep -q -- '\''--prog'\'' <<<"$out"'
out=$("$WL_XDP" run --dev eth1 --prog drop --rule proto=udp,dport=99999 2>&1); rc=$?
check "bad --rule port: exit 2" eval '[ "$rc" = 2 ] && grep -q -- '\''--rule'\'' <<<"$out"'
out=$("$WL_SINK" --mode socket --port 0 2>&1); rc=$?
check "sink bad --port: exit 2" eval '[ "$rc" = 2 ] && grep -q -- '\''--port'\'' <<<"$out"'
out=$(in_dst "$WL_XDP" load --dev eth1 --prog count --pin-dir "$WL_TMP/notbpf" 2>&1); rc=$?
check "pin dir not on bpffs refused" eval '[ "$rc" != 0 ] && grep -q '\''not on a bpf filesystem'\'' <<<"$out"'
check "nothing attached after refusal" [ "$(wl_xdp_attached)" = 0 ]

# --- count ---
loaded=$(in_dst "$WL_XDP" load --dev eth1 --prog count --pin-dir "$PIN")
check "load count prints loaded JSON" [ "$(jqn .type "$loaded")" = loaded ]
check "attached with libbpf in native mode" [ "$(jqn .attach "$loaded")/$(jqn .mode "$loaded")" = libbpf/native ]
check "prog id matches the interface" in_dst sh -c "ip -d link show eth1 | grep -q 'prog/xdp id $(jqn .prog_id "$loaded")'"
out=$(in_dst "$WL_XDP" load --dev eth1 --prog count --pin-dir "$PIN" 2>&1); rc=$?
check "second load on the same pin dir refused" eval '[ "$rc" = 1 ] && grep -q '\''unload it first'\'' <<<"$out"'
blast --proto mix --count 1000
s=$("$WL_XDP" stats --json --pin-dir "$PIN")   # from the root namespace: pins are shared
for p in udp dns tcp icmp arp; do
	check "count: $p = 200" [ "$(jqn ".protocols.$p.packets" "$s")" -ge 200 ]
done
check "count: frames = eth+arp+icmp+udp+dns+tcp+other" [ "$(jqn '.protocols.frames.packets' "$s")" = \
	"$(jqn '[.protocols.eth,.protocols.arp,.protocols.icmp,.protocols.udp,.protocols.dns,.protocols.tcp,.protocols.other]|map(.packets)|add' "$s")" ]
check "count: all passed" [ "$(jqn .actions.pass "$s")" = "$(jqn .protocols.frames.packets "$s")" ]
un=$(in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN")
check "unload detached our prog" [ "$(jqn .detached "$un")" = true ]
check "nothing attached after unload" [ "$(wl_xdp_attached)" = 0 ]
check "pins removed" [ ! -e "$PIN" ]
un=$(in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" 2>/dev/null); rc=$?
check "unload again: idempotent" [ "$rc" = 0 -a "$(jqn .detached "$un")" = false ]

# --- drop with rules: DNS over UDP to port 53 and TCP ---
in_dst "$WL_XDP" load --dev eth1 --prog drop --rule proto=dns,dport=53 --rule proto=tcp --pin-dir "$PIN" >/dev/null
blast --proto mix --count 1000
s=$(in_dst "$WL_XDP" stats --json --pin-dir "$PIN")
check "drop: dropped = dns + tcp (400)" [ "$(jqn .actions.drop "$s")" = 400 ]
check "drop: dropped only dns/udp and tcp" [ "$(jqn '.by_action.drop.dns.packets' "$s")" = 200 -a \
	"$(jqn '.by_action.drop.tcp.packets' "$s")" = 200 -a "$(jqn '.by_action.drop.icmp.packets' "$s")" = 0 ]
check "drop: plain udp, icmp, arp passed" [ "$(jqn '.by_action.pass.udp.packets' "$s")" -ge 200 -a \
	"$(jqn '.by_action.pass.arp.packets' "$s")" -ge 200 ]
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null
check "drop: nothing attached after unload" [ "$(wl_xdp_attached)" = 0 ]

# --- reflect: the generator side must see the frames come back ---
# XDP_TX on a veth needs NAPI on the peer: attach count on the generator.
GPIN=$WL_BPFFS/e2e-gen-eth1
in_gen "$WL_XDP" load --dev eth1 --prog count --pin-dir "$GPIN" >/dev/null
in_dst "$WL_XDP" load --dev eth1 --prog reflect --pin-dir "$PIN" >/dev/null
blast --proto udp --count 500
blast --proto icmp --count 100
sleep 0.2
s=$(in_dst "$WL_XDP" stats --json --pin-dir "$PIN")
g=$(in_gen "$WL_XDP" stats --json --pin-dir "$GPIN")
check "reflect: 600 frames XDP_TX (+ the generator stack's ICMP errors)" [ "$(jqn .actions.tx "$s")" -ge 600 ]
check "reflect: generator received 500 udp back" [ "$(jqn .protocols.udp.packets "$g")" -ge 500 ]
check "reflect: generator received 100 icmp back" [ "$(jqn .protocols.icmp.packets "$g")" -ge 100 ]
check "reflect: ping works through it" in_gen ping -c 2 -i 0.2 -W 1 -q "$DST_IP"
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null
in_gen "$WL_XDP" unload --dev eth1 --pin-dir "$GPIN" >/dev/null

# --- run: interval lines, summary, detach on SIGTERM ---
ip netns exec "$NS_DST" "$WL_XDP" run --dev eth1 --prog count --interval 0.5 --pin-dir "$PIN" >"$WL_TMP/run.json" 2>/dev/null &
RUN=$!; WL_PIDS+=("$RUN")
sleep 0.5
blast --proto udp --count 300
sleep 1
ext=$("$WL_XDP" stats --json --pin-dir "$PIN")
check "run: BPF stats on while run holds them" [ "$(jqn .bpf.stats_enabled "$ext")" = true -a "$(jqn .bpf.run_cnt "$ext")" -ge 300 ]
kill -TERM "$RUN"; wait "$RUN"; rc=$?
check "run: exit 0 on SIGTERM" [ "$rc" = 0 ]
check "run: stats lines every interval" [ "$(grep -c '"type":"stats"' "$WL_TMP/run.json")" -ge 3 ]
sum=$(grep '"type":"summary"' "$WL_TMP/run.json")
check "run: summary counts 300 udp" [ "$(jqn .protocols.udp.packets "$sum")" -ge 300 ]
check "run: ns_per_packet present" [ "$(jqn .bpf.ns_per_packet "$sum")" != null ]
check "run: detached after SIGTERM" [ "$(wl_xdp_attached)" = 0 ]
check "run: pins removed" [ ! -e "$PIN" ]

ip netns exec "$NS_DST" "$WL_XDP" run --dev eth1 --prog drop >/dev/null 2>&1 &
RUN=$!; WL_PIDS+=("$RUN")
sleep 1
check "run: attached while running" [ "$(wl_xdp_attached)" = 1 ]
kill -KILL "$RUN"; wait "$RUN" 2>/dev/null
sleep 0.5
check "run: detached by the kernel after SIGKILL" [ "$(wl_xdp_attached)" = 0 ]

# --- user-supplied object ---
loaded=$(in_dst "$WL_XDP" load --dev eth1 --obj "$WL_BUILD/count.bpf.o" --section xdp --pin-dir "$PIN")
check "--obj: loaded, program named by its function" [ "$(jqn .prog "$loaded")" = wl_count ]
blast --proto udp --count 100
s=$(in_dst "$WL_XDP" stats --json --pin-dir "$PIN")
check "--obj: counters through its wl_stats map" [ "$(jqn .protocols.udp.packets "$s")" -ge 100 ]
check "--obj: sha256 of the file" [ "$(jqn .obj_sha256 "$loaded")" = "$(sha256sum "$WL_BUILD/count.bpf.o" | cut -d' ' -f1)" ]
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null
out=$(in_dst "$WL_XDP" load --dev eth1 --obj "$WL_BUILD/count.bpf.o" --section nope --pin-dir "$PIN" 2>&1); rc=$?
check "--obj: unknown section names the programs" eval '[ "$rc" != 0 ] && grep -q '\''wl_count'\'' <<<"$out"'
check "--obj: nothing attached after failure" [ "$(wl_xdp_attached)" = 0 ]

# --- wirelab-sink ---
ip netns exec "$NS_DST" "$WL_SINK" --mode socket --bind "$DST_IP" --port 9 --job count --interval 0.5 >"$WL_TMP/sink.json" &
SINK=$!; WL_PIDS+=("$SINK")
sleep 0.5
blast --proto udp --dport 9 --count 500 --pps 50000
sleep 0.5
kill -TERM "$SINK"; wait "$SINK"
sum=$(grep '"type":"summary"' "$WL_TMP/sink.json")
check "sink socket: 500 udp datagrams" [ "$(jqn .protocols.udp.packets "$sum")" = 500 ]
check "sink socket: cpu reported" [ "$(jqn '.cpu.system_s' "$sum")" != null ]

ip netns exec "$NS_DST" "$WL_SINK" --mode af-packet --dev eth1 --job count --interval 0.5 >"$WL_TMP/sink.json" &
SINK=$!; WL_PIDS+=("$SINK")
sleep 0.5
blast --proto mix --count 1000 --pps 50000
sleep 0.5
kill -TERM "$SINK"; wait "$SINK"
sum=$(grep '"type":"summary"' "$WL_TMP/sink.json")
for p in udp dns tcp icmp arp; do
	check "sink af-packet: $p >= 200" [ "$(jqn ".protocols.$p.packets" "$sum")" -ge 200 ]
done

echo "e2e: $FAILS failed"
[ "$FAILS" = 0 ]
