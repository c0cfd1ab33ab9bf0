// GET /: the dashboard, one self-contained page (dashboard.html: inline CSS
// and JS, SVG charts, nothing fetched from elsewhere). It holds no data, so it
// is served without the token; everything it shows comes from the API with the
// token the user gives it. Its CSP allows exactly its own inline script and
// style (by hash) and requests to this origin.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export const DASHBOARD_HTML = readFileSync(new URL("./dashboard.html", import.meta.url), "utf8");

function inlineHashes(html: string, tag: "script" | "style"): string[] {
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  return [...html.matchAll(re)].map((m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`);
}

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${inlineHashes(DASHBOARD_HTML, "script").join(" ")}`,
  `style-src ${inlineHashes(DASHBOARD_HTML, "style").join(" ")}`,
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function dashboardResponse(): Response {
  return new Response(DASHBOARD_HTML, {
    status: 200,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": DASHBOARD_CSP,
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Cache-Control": "no-cache",
    },
  });
}
