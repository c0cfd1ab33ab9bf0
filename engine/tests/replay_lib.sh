# Replay tests' capture and run helpers (sourced after lib.sh): a replay is
# run with tcpdump on the peer counting what arrives from the mapped MACs.
MAC1=02:77:72:70:00:01 MAC2=02:77:72:70:00:02
MAPS=(--map 10.0.0.5="$IP_A" --map 10.0.0.9="$IP_B" --map-mac 02:00:00:00:00:05=$MAC1 --map-mac 02:00:00:00:00:09=$MAC2)
# lcores and extra engine arguments of every replay() (several workers)
REPLAY_LCORES="${REPLAY_LCORES:-0}"
[ -n "${REPLAY_ARGS+set}" ] || REPLAY_ARGS=()

# capture NAME: tcpdump on B's eth1, inbound frames from the mapped MACs only
cap_start() {
  ip netns exec "$NS_B" tcpdump -i eth1 -Q in -n -U -w "$TMP/$1.rx.pcap" "ether src $MAC1 or ether src $MAC2" 2>"$TMP/$1.tcpdump.err" &
  PIDS+=($!)
  local i
  for i in $(seq 1 50); do grep -q "listening on" "$TMP/$1.tcpdump.err" 2>/dev/null && { sleep 0.5; return 0; }; sleep 0.1; done
  log "tcpdump did not start: $(head -2 "$TMP/$1.tcpdump.err")"; return 1
}
cap_stop() { sleep 1; kill -INT "${PIDS[-1]}" || true; wait "${PIDS[-1]}" || true; }
rx_count() { capinfos -c -M "$TMP/$1.rx.pcap" | awk '/Number of packets/ {print $NF}'; }
# rx_span NAME: seconds between the first and the last frame at the receiver
rx_span() { tshark -r "$TMP/$1.rx.pcap" -T fields -e frame.time_epoch 2>/dev/null | sort -n | awk 'NR==1{a=$1} {b=$1} END {printf "%.4f", b-a}'; }
# rx_rate NAME: frames/s at the receiver, first to last
rx_rate() { tshark -r "$TMP/$1.rx.pcap" -T fields -e frame.time_epoch 2>/dev/null | sort -n | awk 'NR==1{a=$1} {b=$1; n++} END {if (n>1) printf "%.1f", (n-1)/(b-a)}'; }
replay() { # NAME args...
  local name="$1"; shift
  cap_start "$name"
  engine_run "$NS_A" "$REPLAY_LCORES" "$TMP/$name.json" -- --role replay "${REPLAY_ARGS[@]}" --stats-interval 0.5 "$@" || log "replay exited $?"
  cap_stop
}
