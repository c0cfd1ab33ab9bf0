#!/usr/bin/env bash
# compare.sh - XDP vs userspace baseline, by hand, without the runner.
#
# Two private namespaces (wlt-xdp-gen-PID, wlt-xdp-dst-PID) joined by a veth
# pair; the generator sends 64-byte UDP frames to 198.18.210.2:9 from TX_CPU;
# the receiver works on RX_CPU in one of these modes:
#
#   baseline-socket     wirelab-sink --mode socket --job drop (UDP :9, recvmmsg)
#   baseline-af-packet  wirelab-sink --mode af-packet --job count (TPACKET_V3)
#   xdp-count           wirelab-xdp run --prog count (XDP_PASS; the stack then
#                       drops the datagrams: nothing listens on :9)
#   xdp-drop            wirelab-xdp run --prog drop (XDP_DROP everything)
#
# Veth receive work runs in softirq on the SENDER's CPU unless the receiving
# veth uses threaded NAPI, which needs an XDP program attached. So in every
# mode the receiver's eth1 gets an XDP program (the baselines: `count`, i.e.
# XDP_PASS plus counting; its cost is in the xdp_ns column), threaded NAPI is
# switched on and the napi kthread is pinned to RX_CPU beside the receiver.
#
# Columns: offered pps (generator's veth tx_packets + tx_dropped over the
# window: what reached the receiver or was lost on its full ring), absorbed
# pps (what the receiver counted: socket datagrams read, AF_PACKET frames
# read, XDP verdicts), loss, and CPU per million delivered packets (put on the receiver's ring):
#   task_ms  on-CPU time (schedstat) of the receiving veth's napi kthread plus
#            the receiver process: the receive work itself, stable even when
#            other tenants load the CPU; split into user/system
#   cpu_*    /proc/stat user/system/softirq(+irq) of RX_CPU, raw; bg = that
#            CPU's busy share with no traffic, just before the point
#   insn     instructions per packet on RX_CPU (perf stat, if the PMU works)
#   xdp_ns   BPF run_time_ns / run_cnt of the attached program
# Each point gets fresh namespaces (fresh veth, fresh napi thread).
#
# Usage: xdp/tests/compare.sh [--rates "100000 200000 0"] [--duration 5]
#          [--modes "baseline-socket baseline-af-packet xdp-count xdp-drop"]
#          [--gen blast|testpmd] [--rx-cpu 1] [--tx-cpu 0] [--json FILE] [--rt]
#   --rt: run the napi thread and the receiver SCHED_FIFO 50, so a CPU shared
#   with other busy tenants does not starve the receiver (changes nothing
#   about the cost per packet, only who waits).
#   rate 0 = as fast as the generator goes. --gen testpmd (dpdk-testpmd
#   txonly on net_af_xdp) has no pacing: every rate runs at its maximum.
# Needs root, jq, a build in build/xdp. Leaves nothing behind.
source "$(dirname "$0")/lib.sh"

RATES="100000 200000 400000 0"
DURATION=5
MODES="baseline-socket baseline-af-packet xdp-count xdp-drop"
GEN=blast
RX_CPU=1
TX_CPU=0
JSON_OUT=""
RT=0
while [ $# -gt 0 ]; do
	case "$1" in
	--rates) RATES=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--modes) MODES=$2; shift ;;
	--gen) GEN=$2; shift ;;
	--rx-cpu) RX_CPU=$2; shift ;;
	--tx-cpu) TX_CPU=$2; shift ;;
	--json) JSON_OUT=$2; shift ;;
	--rt) RT=1 ;;
	-h|--help) sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
command -v jq >/dev/null || { echo "compare.sh: needs jq" >&2; exit 2; }

trap wl_teardown EXIT
trap 'exit 130' INT TERM
wl_setup

PERF_OK=0
if perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]'; then PERF_OK=1; fi

cpu_fields() { # user nice system idle iowait irq softirq (jiffies) of cpu $1
	awk -v c="cpu$1" '$1 == c { print $2, $3, $4, $5, $6, $7, $8 }' /proc/stat
}
HZ=$(getconf CLK_TCK)

# On-CPU nanoseconds (schedstat) and user/system ticks of the given PIDs
# (the napi kthread and the receiver process): "ns utime stime".
task_cpu() {
	local ns=0 ut=0 st=0 p a b
	for p in "$@"; do
		[ -r /proc/"$p"/schedstat ] || continue
		read -r a _ < /proc/"$p"/schedstat
		ns=$((ns + a))
		read -r a b < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' /proc/"$p"/stat)
		ut=$((ut + a)); st=$((st + b))
	done
	echo "$ns $ut $st"
}

napi_threads() { ps -e -o pid=,comm= | awk '$2 ~ /^napi\// { print $1 }' | sort; }

# Switch the receiver's veth to threaded NAPI and pin its (new) napi thread.
threaded_on() {
	local before after pid
	before=$(napi_threads)
	in_dst sh -c 'echo 1 > /sys/class/net/eth1/threaded'
	sleep 0.2
	after=$(napi_threads)
	NAPI_PIDS=$(comm -13 <(echo "$before") <(echo "$after") | while read -r p; do
		case "$(cat /proc/"$p"/comm 2>/dev/null)" in napi/eth1-*) echo "$p" ;; esac; done | tr '\n' ' ')
	for pid in $NAPI_PIDS; do taskset -p -c "$RX_CPU" "$pid" >/dev/null; done
	[ -n "$NAPI_PIDS" ] || wl_log "warning: no new napi thread found; receive work may run on the sender's CPU"
}

start_gen() { # rate -> runs in background, writes $WL_TMP/gen.json
	local rate=$1
	if [ "$GEN" = testpmd ]; then
		ip netns exec "$NS_GEN" timeout -s INT "$DURATION" dpdk-testpmd --lcores "0@$TX_CPU,1@$TX_CPU" --no-huge -m 256 --no-pci \
			--file-prefix "wlt-xdp-$$" --vdev net_af_xdp0,iface=eth1 -- --forward-mode=txonly --txpkts=64 \
			--total-num-mbufs=16384 --stats-period 1 --tx-ip="$GEN_IP,$DST_IP" --tx-udp=40000,9 \
			--eth-peer="0,$DST_MAC" >"$WL_TMP/gen.log" 2>&1 &
	else
		ip netns exec "$NS_GEN" taskset -c "$TX_CPU" "$WL_BUILD/wl-blast" --dev eth1 --dst-mac "$DST_MAC" --src-ip "$GEN_IP" \
			--dst-ip "$DST_IP" --dport 9 --size 64 --pps "$rate" --duration "$DURATION" >"$WL_TMP/gen.json" &
	fi
	GEN_PID=$!
	WL_PIDS+=("$GEN_PID")
}

# "delivered dropped": the generator veth's tx_packets (frames put on the
# receiver's ring) and tx_dropped (frames refused because that ring was full).
gen_tx() { in_gen sh -c 'echo $(cat /sys/class/net/eth1/statistics/tx_packets) $(cat /sys/class/net/eth1/statistics/tx_dropped)'; }

RESULTS=()
printf '%-19s %7s %9s %9s %9s %7s | %8s %7s %7s | %7s %7s %7s %6s | %6s %6s\n' mode target offered delivered absorbed loss \
	task_ms tusr tsys cpu_usr cpu_sys cpu_si bg insn xdp_ns
for mode in $MODES; do
	for rate in $RATES; do
		wl_net_down
		wl_net_up
		# --- receiver ---
		PIN="$WL_BPFFS/cmp"
		RX_OUT=$WL_TMP/rx.json
		XDP_OUT=$WL_TMP/xdp.json
		case "$mode" in
		xdp-count|xdp-drop) prog=${mode#xdp-} ;;
		*) prog=count ;;
		esac
		ip netns exec "$NS_DST" taskset -c "$RX_CPU" "$WL_XDP" run --dev eth1 --prog "$prog" --interval 1 --pin-dir "$PIN" >"$XDP_OUT" 2>"$WL_TMP/xdp.err" &
		XDP_PID=$!
		WL_PIDS+=("$XDP_PID")
		for _ in $(seq 50); do [ -e "$PIN/meta" ] && break; sleep 0.1; done
		[ -e "$PIN/meta" ] || { cat "$WL_TMP/xdp.err" >&2; exit 1; }
		threaded_on
		SINK_PID=""
		case "$mode" in
		baseline-socket)
			ip netns exec "$NS_DST" "$WL_SINK" --mode socket --bind "$DST_IP" --port 9 --job drop --cpu "$RX_CPU" --interval 1 >"$RX_OUT" &
			SINK_PID=$! ;;
		baseline-af-packet)
			ip netns exec "$NS_DST" "$WL_SINK" --mode af-packet --dev eth1 --job count --cpu "$RX_CPU" --interval 1 >"$RX_OUT" &
			SINK_PID=$! ;;
		esac
		[ -n "$SINK_PID" ] && WL_PIDS+=("$SINK_PID")
		sleep 1

		# --- background load of RX_CPU, then the measured window ---
		read -r a1 b1 c1 d1 e1 f1 g1 < <(cpu_fields "$RX_CPU")
		sleep 1
		read -r a2 b2 c2 d2 e2 f2 g2 < <(cpu_fields "$RX_CPU")
		bg_busy=$(( (a2+b2+c2+f2+g2) - (a1+b1+c1+f1+g1) ))
		bg_all=$(( bg_busy + (d2+e2) - (d1+e1) ))

		x0=$(in_dst "$WL_XDP" stats --json --pin-dir "$PIN")
		read -r tx0 td0 < <(gen_tx)
		TASKS="$NAPI_PIDS $SINK_PID"
		if [ "$RT" = 1 ]; then for p in $TASKS; do chrt -f -p 50 "$p"; done; fi
		read -r tn0 tu0 ts0 < <(task_cpu $TASKS)
		read -r u0 n0 s0 i0 w0 q0 sq0 < <(cpu_fields "$RX_CPU")
		t0=$(date +%s.%N)
		if [ "$PERF_OK" = 1 ]; then
			perf stat -x, -e instructions -C "$RX_CPU" -o "$WL_TMP/perf.csv" -- sleep "$DURATION" &
			PERF_PID=$!
		fi
		start_gen "$rate"
		wait "$GEN_PID" || true
		[ "$PERF_OK" = 1 ] && wait "$PERF_PID"
		sleep 0.3 # drain queues
		t1=$(date +%s.%N)
		read -r u1 n1 s1 i1 w1 q1 sq1 < <(cpu_fields "$RX_CPU")
		read -r tn1 tu1 ts1 < <(task_cpu $TASKS)
		read -r tx1 td1 < <(gen_tx)
		x1=$(in_dst "$WL_XDP" stats --json --pin-dir "$PIN")

		# --- stop the receiver ---
		if [ -n "$SINK_PID" ]; then kill -TERM "$SINK_PID"; wait "$SINK_PID" || true; fi
		kill -TERM "$XDP_PID"; wait "$XDP_PID" || true

		# --- numbers ---
		delivered=$((tx1 - tx0))
		ringdrop=$((td1 - td0))
		offered=$((delivered + ringdrop))
		case "$mode" in
		baseline-*) absorbed=$(jq -s 'map(select(.type=="summary"))[0].protocols.frames.packets' "$RX_OUT") ;;
		xdp-drop) absorbed=$(( $(jq '.actions.drop' <<<"$x1") - $(jq '.actions.drop' <<<"$x0") )) ;;
		xdp-count) absorbed=$(( $(jq '.protocols.frames.packets' <<<"$x1") - $(jq '.protocols.frames.packets' <<<"$x0") )) ;;
		esac
		rc=$(( $(jq '.bpf.run_cnt' <<<"$x1") - $(jq '.bpf.run_cnt' <<<"$x0") ))
		rt=$(( $(jq '.bpf.run_time_ns' <<<"$x1") - $(jq '.bpf.run_time_ns' <<<"$x0") ))
		insn=""
		if [ "$PERF_OK" = 1 ]; then insn=$(awk -F, '/instructions/ { print $1 }' "$WL_TMP/perf.csv"); fi
		awk -v mode="$mode" -v rate="$rate" -v off="$offered" -v dlv="$delivered" -v abs="$absorbed" -v t0="$t0" -v t1="$t1" \
			-v gen_secs="$DURATION" -v hz="$HZ" \
			-v du=$(( (u1+n1) - (u0+n0) )) -v ds=$((s1 - s0)) -v dq=$(( (sq1+q1) - (sq0+q0) )) \
			-v bgb="$bg_busy" -v bga="$bg_all" -v rc="$rc" -v rt="$rt" -v insn="$insn" \
			-v tn=$((tn1 - tn0)) -v tu=$((tu1 - tu0)) -v ts=$((ts1 - ts0)) -v json="$WL_TMP/point.json" '
		BEGIN {
			win = t1 - t0; bgf = bga > 0 ? bgb / bga : 0
			mp = dlv / 1e6                                      # per million packets the receiver handled
			task = mp > 0 ? tn / 1e6 / mp : 0                  # ms per Mpkt, napi thread + receiver
			tsum = tu + ts
			tuser = tsum > 0 ? task * tu / tsum : 0; tsys = task - tuser
			u = mp > 0 ? du / hz * 1000 / mp : 0               # /proc/stat of RX_CPU, raw
			s = mp > 0 ? ds / hz * 1000 / mp : 0
			q = mp > 0 ? dq / hz * 1000 / mp : 0
			loss = off > 0 ? 1 - abs / off : 0; if (loss < 0) loss = 0
			ns = rc > 0 ? sprintf("%.1f", rt / rc) : "-"
			ipp = (insn != "" && off > 0) ? sprintf("%.0f", insn / off) : "n/a"
			printf "%-19s %7s %9.0f %9.0f %9.0f %6.2f%% | %8.1f %7.1f %7.1f | %7.1f %7.1f %7.1f %5.0f%% | %6s %6s\n", \
				mode, rate == 0 ? "max" : rate, off / gen_secs, dlv / gen_secs, abs / gen_secs, loss * 100, task, tuser, tsys, \
				u, s, q, bgf * 100, ipp, ns
			printf "{\"mode\":\"%s\",\"target_pps\":%d,\"offered\":%d,\"delivered\":%d,\"absorbed\":%d,\"secs\":%s,\"offered_pps\":%.0f,\"absorbed_pps\":%.0f,\"loss\":%.5f,\"rx_task_ms_per_mpkt\":%.2f,\"rx_task_user_ms_per_mpkt\":%.2f,\"rx_task_system_ms_per_mpkt\":%.2f,\"cpu_user_ms_per_mpkt\":%.2f,\"cpu_system_ms_per_mpkt\":%.2f,\"cpu_softirq_ms_per_mpkt\":%.2f,\"rx_cpu_background_busy\":%.4f,\"instructions_per_packet\":%s,\"xdp_ns_per_packet\":%s}\n", \
				mode, rate, off, dlv, abs, gen_secs, off / gen_secs, abs / gen_secs, loss, task, tuser, tsys, u, s, q, bgf, \
				ipp == "n/a" ? "null" : ipp, ns == "-" ? "null" : ns > json
		}'
		RESULTS+=("$(cat "$WL_TMP/point.json")")
		if [ "$(wl_xdp_attached)" != 0 ]; then wl_log "error: XDP program still attached after $mode"; exit 1; fi
	done
done
[ "$PERF_OK" = 1 ] || echo "(insn/pkt: perf stat -e instructions is not supported on this machine; CPU time only)"
cat <<EOT
offered: frames the generator tried to put on the receiver's veth ring per second; delivered: put on it
  (offered - delivered = refused because the ring was full: the receiver fell behind); absorbed: counted by
  the receiver. loss = 1 - absorbed/offered. All CPU figures: ms per million delivered packets.
task_ms (tusr/tsys): on-CPU time of the receiving veth's napi kthread plus the receiver process
  (schedstat), i.e. the receive-side work itself, whatever else runs on CPU $RX_CPU.
cpu_usr/cpu_sys/cpu_si: /proc/stat of RX_CPU $RX_CPU over the window, raw (includes other tenants);
  bg: how busy that CPU was in the second before the point, with no traffic.
xdp_ns: BPF run_time_ns/run_cnt of the attached program (baselines: count, attached so the veth can
  use threaded NAPI). Generator on CPU $TX_CPU ($GEN). $(uname -r); $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
EOT
if [ -n "$JSON_OUT" ]; then
	printf '%s\n' "${RESULTS[@]}" | jq -s --arg kernel "$(uname -r)" --arg gen "$GEN" \
		'{kernel: $kernel, generator: $gen, points: .}' >"$JSON_OUT"
fi
