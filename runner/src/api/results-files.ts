// GET /runs/:id/results[/:file]: the regular files directly in a run's
// directory and nothing else. A name is one plain path segment; the file must
// be a regular file (not a symlink, not a directory) whose real directory is
// the run's real directory, and that real directory must lie inside the real
// results root: no name, linked file or linked run directory leads outside it.
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import { dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { ApiError } from "./errors.ts";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

const TYPES: Record<string, string> = {
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".csv": "text/csv; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".xml": "application/xml",
  ".log": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".pcap": "application/vnd.tcpdump.pcap",
  ".pcapng": "application/vnd.tcpdump.pcap",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

export interface ResultFile {
  name: string;
  size: number;
  type: string;
}

function realDir(dir: string): string | undefined {
  try {
    return realpathSync(resolve(dir));
  } catch {
    return undefined;
  }
}

/** The run directory's real path when it is a directory strictly inside the real results root; else undefined. */
function runDirInside(runDir: string, resultsRoot: string): string | undefined {
  const dir = realDir(runDir);
  const root = realDir(resultsRoot);
  if (!dir || !root) return undefined;
  const within = relative(root, dir);
  if (!within || within.startsWith("..") || isAbsolute(within)) return undefined;
  return dir;
}

/** The run directory's regular files, by name; none when the directory does not exist (yet) or is not under the root. */
export function listResultFiles(runDir: string, resultsRoot: string): ResultFile[] {
  const dir = runDirInside(runDir, resultsRoot);
  if (!dir) return [];
  const files: ResultFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !NAME.test(entry.name)) continue;
    try {
      files.push({ name: entry.name, size: lstatSync(join(dir, entry.name)).size, type: contentTypeOf(entry.name) });
    } catch {
      // Removed between readdir and lstat.
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The file as a streamed response, or an ApiError(404) that says no more than "no such file". */
export function resultFileResponse(runId: string, runDir: string, resultsRoot: string, name: string): Response {
  const missing = () => new ApiError(404, `run '${runId}' has no results file '${name.slice(0, 100)}'`);
  if (!NAME.test(name) || name.includes("..")) throw missing();
  const dir = runDirInside(runDir, resultsRoot);
  if (!dir) throw missing();
  const path = join(dir, name);
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw missing();
    if (realpathSync(dirname(path)) !== dir) throw missing();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw missing();
  }
  const type = contentTypeOf(name);
  const headers: Record<string, string> = {
    "Content-Type": type,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
  };
  // A report opened from the API's origin must not reach the dashboard's token: HTML and SVG run in a sandbox (an
  // opaque origin, scripts allowed for the report's charts).
  if (type.startsWith("text/html") || type.startsWith("image/svg")) headers["Content-Security-Policy"] = "sandbox allow-scripts";
  return new Response(Bun.file(path), { status: 200, headers });
}
