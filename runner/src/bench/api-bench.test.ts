// The wrk report reader of `bench api`, on wrk 4.1's own output (recorded from
// `wrk -t1 -c4 -d1s --latency` against a Bun.serve answering 1% 500s), so a
// misread unit or a missing line cannot put a wrong figure in the table.
import { expect, test } from "bun:test";
import { parseWrk } from "./api.bench.ts";

const REPORT = `Running 1s test @ http://127.0.0.1:34897/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   306.89us  611.84us   5.39ms   92.01%
    Req/Sec    24.43k     3.81k   29.09k    63.64%
  Latency Distribution
     50%  127.00us
     75%  202.00us
     90%  559.00us
     99%    3.45ms
  26707 requests in 1.10s, 2.99MB read
  Non-2xx or 3xx responses: 280
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  24292.23
Transfer/sec:      2.72MB
`;

test("reads requests/s, p50 and p99 in ms whatever wrk's unit, non-2xx and socket errors", () => {
  expect(parseWrk(REPORT)).toEqual({ rps: 24292.23, p50Ms: 0.127, p99Ms: 3.45, requests: 26707, non2xx: 280, socketErrors: 3 });
  expect(parseWrk(REPORT.replace("3.45ms", "1.20s")).p99Ms).toBe(1200);
});

test("a report without the latency distribution is refused, not read as zero", () => {
  expect(() => parseWrk(REPORT.replace(/ {5}99%.*\n/, ""))).toThrow("wrk: no 99% latency in its output (was --latency given?)");
  expect(() => parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n")).toThrow("wrk: no Requests/sec in its output: unable to connect to 127.0.0.1:1 Connection refused");
});
