#!/usr/bin/env bash
# pcap_clean's own test: it passes a capture with right checksums, flags one
# with a wrong IP, ICMP, UDP or TCP checksum, and calls it an error (never
# clean) when tshark cannot run the check, as with a preference tshark does
# not know. No namespaces, no root. Usage: engine/tests/pcap_clean_test.sh
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/checksum_pcaps.py" "$TMP"

status() { local rc=0; "$@" 2>/dev/null || rc=$?; echo "$rc"; }
check_cmd "right checksums: clean" test "$(status pcap_clean "$TMP/good.pcap")" -eq 0
for kind in ip icmp udp tcp; do
  check_cmd "a wrong $kind checksum is flagged" test "$(status pcap_clean "$TMP/bad-$kind.pcap")" -eq 1
done
# The old check passed -o icmp.check_checksum:TRUE, which tshark 4.0 refuses,
# printed nothing, and so called every capture clean.
PCAP_CHECKS+=(-o icmp.check_checksum:TRUE)
check_cmd "an unknown tshark preference is an error, not a clean capture" test "$(status pcap_clean "$TMP/bad-icmp.pcap")" -eq 2
PCAP_CHECKS=("${PCAP_CHECKS[@]:0:6}")
check_cmd "an unreadable capture is an error" test "$(status pcap_clean "$TMP/missing.pcap")" -eq 2
finish
