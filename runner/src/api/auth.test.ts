import { afterAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { bearerAccepted, bearerAuth, bearerCheck, tokenMatches } from "./auth.ts";
import { auth, testApp, TOKEN } from "./test-app.ts";

const PROTECTED: [string, string][] = [
  ["GET", "/status"], ["GET", "/lab"], ["GET", "/metrics"], ["GET", "/openapi.json"], ["GET", "/runs"],
  ["POST", "/runs"], ["GET", "/runs/run-passed"], ["DELETE", "/runs/run-passed"], ["GET", "/no-such-route"],
];

describe("bearerAuth factory", () => {
  test("refuses an empty, short or whitespace token at creation", () => {
    expect(() => bearerAuth({ token: "" })).toThrow("empty");
    expect(() => bearerAuth({ token: "short-token" })).toThrow("shorter than 16");
    expect(() => bearerAuth({ token: "0123456789 abcdef" })).toThrow("whitespace");
    expect(() => bearerAuth({ token: undefined as unknown as string })).toThrow("empty");
    expect(() => bearerAuth({ token: "0123456789abcdef" })).not.toThrow();
  });

  test("tokenMatches compares whole tokens", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN + "x", TOKEN)).toBe(false);
    expect(tokenMatches("", TOKEN)).toBe(false);
  });

  test("bearerCheck answers as bearerAccepted for every form of header", () => {
    const check = bearerCheck(TOKEN);
    const headers = [
      `Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`, `Bearer ${TOKEN}  `, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN.toUpperCase()}`, `Bearer  ${TOKEN} x`, `Bearer${TOKEN}`, ` Bearer ${TOKEN}`, `Basic ${TOKEN}`, TOKEN, "Bearer ", "", null, undefined,
    ];
    for (const h of headers) expect([h, check(h)]).toEqual([h, bearerAccepted(h, TOKEN)]);
    expect(headers.filter((h) => check(h))).toEqual([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`, `Bearer ${TOKEN}  `]);
  });

  test("works as plain Hono middleware", async () => {
    const app = new Hono().use(bearerAuth({ token: TOKEN })).get("/", (c) => c.text("in"));
    expect((await app.request("/", { headers: auth })).status).toBe(200);
    expect((await app.request("/")).status).toBe(401);
  });
});

describe("every protected route", () => {
  const t = testApp();
  afterAll(t.cleanup);
  const wrong = [
    ["no header", {}],
    ["wrong token", { Authorization: `Bearer ${TOKEN.slice(0, -1)}X` }],
    ["longer token", { Authorization: `Bearer ${TOKEN}extra` }],
    ["basic scheme", { Authorization: `Basic ${btoa("a:b")}` }],
    ["bearer without token", { Authorization: "Bearer " }],
  ] as const;
  for (const [method, path] of PROTECTED) {
    for (const [why, headers] of wrong) {
      test(`${method} ${path}: 401 JSON with ${why}`, async () => {
        const res = await t.app.request(path, { method, headers: { ...headers, "Content-Type": "application/json" }, ...(method === "POST" ? { body: JSON.stringify({ tx: "tx", rx: "rx" }) } : {}) });
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toStartWith("application/json");
        const body = (await res.json()) as { error: string; status: number };
        expect(body.status).toBe(401);
        expect(body.error).toMatch(/token/);
      });
    }
  }

  test("a refused POST starts nothing", () => {
    expect(t.fake.calls).toHaveLength(0);
  });

  test("GET /health needs no token", async () => {
    const res = await t.app.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});
