import { expect, test } from "bun:test";
import { parseTcpreplaySent } from "./pcap-replay.ts";

test("tcpreplay's sent count", () => {
  const out = `Actual: 10008 packets (720576 bytes) sent in 5.00 seconds
Rated: 144000.0 Bps, 1.15 Mbps, 2000.00 pps
Statistics for network device: eth1
\tSuccessful packets:        10008
\tFailed packets:            0`;
  expect(parseTcpreplaySent(out)).toBe(10008);
  expect(parseTcpreplaySent("tcpreplay: command not found")).toBeUndefined();
});
