import { describe, expect, test } from "bun:test";
import { DEFAULT_LISTEN, parseListen, serveCommand } from "../commands/serve.ts";

describe("serve --listen", () => {
  test("parses HOST:PORT, IPv6 in brackets, and loopback by default", () => {
    expect(DEFAULT_LISTEN).toBe("127.0.0.1:7800");
    expect(parseListen("127.0.0.1:7800")).toEqual({ hostname: "127.0.0.1", port: 7800 });
    expect(parseListen("[::1]:0")).toEqual({ hostname: "::1", port: 0 });
    expect(parseListen("localhost:80")).toEqual({ hostname: "localhost", port: 80 });
  });

  test("refuses what is not HOST:PORT, naming the option", () => {
    for (const bad of ["7800", "127.0.0.1", "127.0.0.1:", "host:99999", "::1:7800", "a b:1", ""]) expect(() => parseListen(bad)).toThrow("--listen");
  });

  test("--help teaches the options and routes", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      expect(await serveCommand(["--help"])).toBe(0);
    } finally {
      console.log = log;
    }
    const help = lines.join("\n");
    for (const word of ["--listen", "--token-file", "WIRELAB_API_TOKEN", "0600", "POST /runs", "DELETE /runs/:id", "/metrics", "curl"]) expect(help).toContain(word);
    // The events contract and the dashboard's unauthenticated page are documented where the operator looks.
    for (const word of ["GET  /runs/:id/events", "text/event-stream", "event: TYPE", "keepalive", "GET  /runs/:id/results/FILE", "#token=", "no auth: the dashboard", "reachable"]) expect(help).toContain(word);
  });
});
