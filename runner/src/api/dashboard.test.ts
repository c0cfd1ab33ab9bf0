// GET / in-process: served without the token, self-contained (nothing loaded
// from elsewhere), and its CSP admits exactly its own inline script and style.
// The page itself runs in headless Chromium in runner/suites/dashboard.test.ts.
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { DASHBOARD_CSP, DASHBOARD_HTML } from "./dashboard.ts";
import { testApp } from "./test-app.ts";

const t = testApp();
afterAll(t.cleanup);

test("GET / is the dashboard, without auth, with a strict CSP", async () => {
  const res = await t.app.request("/");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  const html = await res.text();
  expect(html).toBe(DASHBOARD_HTML);
  expect(html).not.toContain(t.store.path);
  expect(html).not.toContain("run-passed");
});

test("the page loads nothing from anywhere else", () => {
  expect(/<script[^>]+src=|<link[^>]+href=|@import/i.test(DASHBOARD_HTML)).toBe(false);
  expect(/\burl\(/.test(DASHBOARD_HTML)).toBe(false);
  expect(DASHBOARD_HTML.match(/https?:\/\/[^\s"']*/g)).toEqual(["http://www.w3.org/2000/svg"]);
  expect(DASHBOARD_HTML).not.toContain("EventSource");
});

test("the CSP hashes are those of the page's inline script and style", () => {
  const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
  const script = /<script>([\s\S]*?)<\/script>/.exec(DASHBOARD_HTML)![1]!;
  const style = /<style>([\s\S]*?)<\/style>/.exec(DASHBOARD_HTML)![1]!;
  expect(DASHBOARD_CSP).toContain(`script-src ${hash(script)};`);
  expect(DASHBOARD_CSP).toContain(`style-src ${hash(style)};`);
  expect(DASHBOARD_CSP).toStartWith("default-src 'none'");
  expect(DASHBOARD_CSP).toContain("connect-src 'self'");
  expect(DASHBOARD_CSP).not.toContain("unsafe");
});

test("the token is read from the fragment or a form, kept in sessionStorage, sent as a header, never put in a URL", () => {
  expect(DASHBOARD_HTML).toContain("sessionStorage.setItem(KEY");
  expect(DASHBOARD_HTML).toContain("history.replaceState");
  expect(DASHBOARD_HTML).toContain('Authorization: "Bearer " + token()');
  expect(DASHBOARD_HTML).not.toMatch(/[?&]token=/);
  expect(DASHBOARD_HTML).not.toContain("localStorage");
});
