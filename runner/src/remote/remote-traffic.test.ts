// Remote mode against a real Bun.serve running createApp: the run is started
// by a stand-in for the engines (it stores samples through the store the app
// hands it, as traffic-runner does) so every path of the client is exercised
// over HTTP: live samples, summary, exit codes, Ctrl-C, the server's errors.
// The CLI itself is run as a process for what a user sees.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type AppOptions, type RunOutcome, type StartRun } from "../api/app.ts";
import { filledStore, fixtureInventory, stats, TOKEN } from "../api/test-app.ts";
import { REPO_ROOT } from "../paths.ts";
import { parseServerUrl, RemoteClient, RemoteError } from "./remote-client.ts";
import { clientToken } from "./remote-token.ts";
import { remoteTraffic, type RemoteTrafficOptions } from "./remote-traffic.ts";

const dir = mkdtempSync(join(tmpdir(), "wirelab-remote-"));
const tokenFile = join(dir, "api-token");
writeFileSync(tokenFile, TOKEN + "\n", { mode: 0o600 });
const store = filledStore(dir);
const started: { id: string; signal: AbortSignal; spec: unknown }[] = [];

/**
 * Stands in for the engines: a sample from tx and rx every 50 ms, through the store the app hands the run (the one
 * that also feeds the live events). Three samples and done; a run asked for 100 s or more goes on until stopped.
 * The message "fail" makes the run fail its check.
 */
const startRun: StartRun = async (req) => {
  started.push({ id: req.run.id, signal: req.signal, spec: req.spec });
  const forever = (req.spec.duration ?? 0) >= 100;
  for (let i = 1; forever || i <= 3; i++) {
    if (req.signal.aborted) return { state: "interrupted", reason: "stopped through the API" } satisfies RunOutcome;
    req.run.sample({ host: req.spec.tx, role: "tx", stats: { ...stats(i, { udp: { tx_packets: 100 * i, tx_bytes: 6400 * i } }, 100), role: "tx" } });
    req.run.sample({ host: req.spec.rx, role: "rx", stats: { ...stats(i, { udp: { rx_packets: 100 * i - 1, rx_bytes: 6400 * i - 64 } }, 99), role: "rx" } });
    await Bun.sleep(50);
  }
  const ok = req.spec.message !== "fail";
  return { state: ok ? "passed" : "failed", ...(ok ? {} : { reason: "check failed: min-rx-ratio" }), checks: [{ name: "min-rx-ratio", ok, detail: ok ? "0.997 >= 0.99" : "0.997 < 1" }] };
};

function serve(overrides: Partial<AppOptions> = {}, wrap?: (req: Request, next: (r: Request) => Response | Promise<Response>) => Response | Promise<Response>) {
  const app = createApp({ store, token: TOKEN, inventory: fixtureInventory(), startRun, resultsDir: join(dir, "results"), stopWaitMs: 5000, ...overrides });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => (wrap ? wrap(req, (r) => app.fetch(r)) : app.fetch(req)) });
  return { server, url: `http://127.0.0.1:${server.port}` };
}

const main = serve();
// An older server: no events route, so the client follows the run by reading it until it ends.
const old = serve({}, (req, next) =>
  new URL(req.url).pathname.endsWith("/events") ? Response.json({ error: `no route GET ${new URL(req.url).pathname}`, status: 404 }, { status: 404 }) : next(req),
);
afterAll(() => {
  main.server.stop(true);
  old.server.stop(true);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(url = main.url, token = TOKEN) {
  return new RemoteClient(parseServerUrl(url), { token, source: "the test's token" });
}

async function run(body: Partial<RemoteTrafficOptions["body"]>, opts: Partial<RemoteTrafficOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await remoteTraffic({
    client: client(), body: { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 100, duration: 1, ...body }, json: true,
    interrupt: new AbortController().signal, out: (l) => out.push(l), err: (l) => err.push(l), pollMs: 50, ...opts,
  });
  return { code, out, err, lines: opts.json === false ? [] : out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("traffic --server: the client against a real server", () => {
  test("a passing run: live samples as JSON lines, then the result; exit 0", async () => {
    const r = await run({});
    expect(r.code).toBe(0);
    const samples = r.lines.filter((l) => l.type === "sample");
    // Three intervals from each host, each host's in order (samples stored before the stream opened are replayed first).
    const times = (host: string) => samples.filter((s) => s.host === host).map((s) => (s.stats as { t: number }).t);
    expect([times("tx"), times("rx")]).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(samples.map((s) => s.role)).toEqual(samples.map((s) => s.host));
    const result = r.lines.at(-1) as { type: string; state: string; id: string; checks: unknown[]; tx: { udp: { tx_packets: number } }; rx: { udp: { rx_packets: number } } };
    expect(result).toMatchObject({ type: "result", state: "passed", server: main.url, checks: [{ name: "min-rx-ratio", ok: true, detail: "0.997 >= 0.99" }] });
    expect(result.tx.udp.tx_packets).toBe(300);
    expect(result.rx.udp.rx_packets).toBe(299);
    expect(store.getRun(result.id)!.state).toBe("passed");
    expect(r.err).toEqual([]);
  });

  test("the same parameters reach the server", async () => {
    const r = await run({ protocol: "dns", mode: "rate", pps: 250, duration: 2, domains: ["example.org"], size: 128, checks: { minAnswerRatio: 0.5 } });
    expect(r.code).toBe(0);
    expect(started.at(-1)!.spec).toMatchObject({ tx: "tx", rx: "rx", protocol: "dns", mode: "rate", pps: 250, duration: 2, domains: ["example.org"], size: 128, checks: { minAnswerRatio: 0.5 } });
  });

  test("a failed run: exit 1 and the failed check in the result", async () => {
    const r = await run({ message: "fail" });
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toMatchObject({ type: "result", state: "failed", reason: "check failed: min-rx-ratio", checks: [{ ok: false }] });
  });

  test("the human summary: the counters, each check, where the run is; the reason on stderr", async () => {
    const r = await run({ message: "fail" }, { json: false });
    expect(r.code).toBe(1);
    expect(r.out[0]).toBe("failed: udp/rate tx -> rx: sent 300, received 299, answers matched 0 (last samples)");
    expect(r.out[1]).toBe("  FAIL min-rx-ratio: 0.997 < 1");
    expect(r.out[2]).toMatch(new RegExp(`^run: \\S+ on ${main.url} `));
    expect(r.err.at(-1)).toBe("wirelab traffic: check failed: min-rx-ratio");
  });

  test("Ctrl-C: DELETE /runs/:id first, then the interrupted summary; exit 130", async () => {
    const interrupt = new AbortController();
    const out: string[] = [];
    const done = remoteTraffic({
      client: client(), body: { tx: "tx2", rx: "rx2", protocol: "udp", mode: "continuous", duration: 3600 }, json: true,
      interrupt: interrupt.signal, out: (l) => {
        out.push(l);
        if (out.length === 2) interrupt.abort();
      }, err: () => {},
    });
    const code = await done;
    expect(code).toBe(130);
    const run = started.at(-1)!;
    expect(run.signal.aborted).toBe(true);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ type: "result", id: run.id, state: "interrupted", reason: "stopped through the API" });
    expect(store.getRun(run.id)!.state).toBe("interrupted");
  });

  test("an older server without live events: the run is followed to its end all the same", async () => {
    const r = await run({}, { client: client(old.url) });
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toMatchObject({ type: "result", state: "passed", checks: [{ ok: true }] });
    expect(r.err.join("\n")).toContain("has no GET /runs/:id/events");
  });
});

describe("traffic --server: the server's refusals as one line each", () => {
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(RemoteError);
    return e as RemoteError;
  };

  test("401: the token's source is named, the token never", async () => {
    const e = await refusal(client(main.url, "wrong-token-but-long-enough").startRun({ tx: "tx", rx: "rx" }));
    expect(e.status).toBe(401);
    expect(e.message).toBe(`${main.url} refused the token from the test's token (401: wrong bearer token)`);
    expect(e.message).not.toContain("wrong-token-but-long-enough");
  });

  test("409: busy hosts, with the run holding them", async () => {
    const holder = await client().startRun({ tx: "tx", rx: "rx", duration: 3600 });
    try {
      const e = await refusal(client().startRun({ tx: "rx", rx: "tx" }));
      expect(e.status).toBe(409);
      expect(e.runId).toBe(holder.id);
      expect(e.message).toContain(`busy with run ${holder.id}`);
    } finally {
      await client().stopRun(holder.id);
    }
  });

  test("400: the field the server refused", async () => {
    const e = await refusal(client().startRun({ tx: "tx", rx: "rx", size: 10 }));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^the server refused the run: size: /);
    const host = await refusal(client().startRun({ tx: "tx", rx: "nosuch" }));
    expect(host.message).toBe("the server refused the run: rx: no host 'nosuch' in the lab (hosts: tx, rx, tx2, rx2)");
  });

  test("nothing listening: says so and what to start", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = probe.port;
    await probe.stop(true);
    const e = await refusal(client(`http://127.0.0.1:${port}`).startRun({ tx: "tx", rx: "rx" }));
    expect(e.message).toMatch(new RegExp(`^--server http://127\\.0\\.0\\.1:${port}: cannot reach it \\(.+\\); is 'bun run serve' running there\\?$`));
  });

  test("the token: --token-file, else WIRELAB_API_TOKEN, else the default file; a missing file is one line", () => {
    expect(clientToken({ tokenFile: tokenFile, env: { WIRELAB_API_TOKEN: "from-env-0123456789" } })).toEqual({ token: TOKEN, source: tokenFile });
    expect(clientToken({ env: { WIRELAB_API_TOKEN: "from-env-0123456789" } })).toEqual({ token: "from-env-0123456789", source: "WIRELAB_API_TOKEN" });
    expect(() => clientToken({ tokenFile: join(dir, "none") })).toThrow(`--token-file: cannot read '${join(dir, "none")}' (ENOENT)`);
  });
});

describe("traffic --server: the command line", () => {
  async function cli(args: string[], env: Record<string, string> = {}) {
    const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), "traffic", ...args], {
      stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_API_TOKEN: "", WIRELAB_STATE: join(dir, "state"), ...env },
    });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { out, err, code };
  }

  test("a run through the CLI: JSON lines and exit 0; the token appears nowhere", async () => {
    const r = await cli(["--server", main.url, "--token-file", tokenFile, "--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "100", "--duration", "1", "--json"]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; state?: string });
    expect(lines.filter((l) => l.type === "sample")).toHaveLength(6);
    expect(lines.at(-1)).toMatchObject({ type: "result", state: "passed" });
    expect(r.out + r.err).not.toContain(TOKEN);
  }, 30_000);

  test("bad input: one line naming what was wrong, exit 2", async () => {
    const cases: [string[], string][] = [
      [["--server", "foo", "--tx", "tx", "--rx", "rx"], "wirelab traffic: --server: 'foo' is not an http(s) URL (e.g. http://127.0.0.1:7800)\n"],
      [["--server", "ftp://h/", "--tx", "tx", "--rx", "rx"], "wirelab traffic: --server: 'ftp://h/' is not an http(s) URL (e.g. http://127.0.0.1:7800)\n"],
      [["--server", main.url, "--lab", "two-host", "--tx", "tx", "--rx", "rx"], "wirelab traffic: --lab: not used with --server (the server runs the traffic on its own lab)\n"],
      [["--server", main.url, "--xdp", "/tmp/mine.o", "--tx", "tx", "--rx", "rx"], "wirelab traffic: --xdp: a server loads only its built-in programs (count, drop, reflect), not '/tmp/mine.o'\n"],
      [["--server", main.url, "--tx", "tx", "--rx", "rx"], `wirelab traffic: no API token: give --token-file FILE, set WIRELAB_API_TOKEN, or run 'bun run serve' here once (it writes ${join(dir, "state", "api-token")})\n`],
      [["--server", main.url, "--interval=-3", "--tx", "tx", "--rx", "rx"], "wirelab traffic: --interval: '-3' must be a whole number 0..3600000000 microseconds\n"],
    ];
    for (const [args, line] of cases) {
      const r = await cli(args);
      expect([r.code, r.err, r.out]).toEqual([2, line, ""]);
    }
  }, 60_000);

  test("the server's refusal: one line, exit 1", async () => {
    const r = await cli(["--server", main.url, "--tx", "tx", "--rx", "nosuch", "--json"], { WIRELAB_API_TOKEN: TOKEN });
    expect([r.code, r.err, r.out]).toEqual([1, "wirelab traffic: the server refused the run: rx: no host 'nosuch' in the lab (hosts: tx, rx, tx2, rx2)\n", ""]);
    const bad = await cli(["--server", main.url, "--tx", "tx", "--rx", "rx"], { WIRELAB_API_TOKEN: "not-the-right-token-at-all" });
    expect([bad.code, bad.err]).toEqual([1, `wirelab traffic: ${main.url} refused the token from WIRELAB_API_TOKEN (401: wrong bearer token)\n`]);
  }, 30_000);

  test("Ctrl-C on the CLI: the run is stopped on the server, exit 130", async () => {
    const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), "traffic", "--server", main.url, "--token-file", tokenFile, "--tx", "tx", "--rx", "rx", "--duration", "3600"], {
      stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_API_TOKEN: "" },
    });
    const errText = new Response(p.stderr).text();
    const before = started.length;
    // Interrupt once the server has the run and samples are flowing.
    for (let i = 0; i < 200 && (started.length === before || store.samples(started.at(-1)!.id).length < 2); i++) await Bun.sleep(50);
    expect(started.length).toBe(before + 1);
    p.kill("SIGINT");
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), errText, p.exited]);
    expect(code).toBe(130);
    const run = started.at(-1)!;
    expect(run.signal.aborted).toBe(true);
    expect(store.getRun(run.id)!.state).toBe("interrupted");
    expect(err).toContain(`stopping run ${run.id} on the server`);
    expect(out).toContain("interrupted: udp/continuous tx -> rx");
  }, 30_000);
});
