// (Re)generates every report file of a run from the store and its run dir.
// Called by `traffic` at the end of a run and by `report <run-id>`.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunStore } from "../store/run-store.ts";
import { renderJunit } from "./junit-xml.ts";
import { loadReportData, type ReportData } from "./report-data.ts";
import { renderHtml } from "./report-html.ts";
import { renderCsv } from "./results-csv.ts";
import { renderBreakdownCsv } from "./breakdown-csv.ts";
import { writeResultsJson } from "./results-json.ts";
import { renderMarkdown } from "./results-md.ts";

export const REPORT_FILES = ["results.json", "results.csv", "breakdown.csv", "results.md", "junit.xml", "report.html"] as const;

export interface WrittenReports {
  dir: string;
  files: string[];
  data: ReportData;
}

export function writeReports(runDir: string, store: RunStore, runId: string, options: { xdpBench?: string } = {}): WrittenReports {
  const data = loadReportData(runDir, store, runId, options);
  mkdirSync(runDir, { recursive: true });
  writeResultsJson(runDir, data);
  writeFileSync(join(runDir, "results.csv"), renderCsv(data));
  writeFileSync(join(runDir, "breakdown.csv"), renderBreakdownCsv(runId, store.breakdownSamples(runId)));
  writeFileSync(join(runDir, "results.md"), renderMarkdown(data));
  writeFileSync(join(runDir, "junit.xml"), renderJunit(data));
  writeFileSync(join(runDir, "report.html"), renderHtml(data));
  return { dir: runDir, files: REPORT_FILES.map((f) => join(runDir, f)), data };
}

/**
 * For the end of a traffic run: the run's own results are already written, so
 * a report that cannot be made must not turn a passed run into a failure. The
 * reason goes to the run's log and one line to stderr; `report <id>` retries.
 */
export function writeRunReports(runDir: string, store: RunStore, runId: string): boolean {
  try {
    writeReports(runDir, store, runId);
    return true;
  } catch (err) {
    const line = `report: could not write the reports (${(err as Error).message.split("\n")[0]}); retry with 'bun run report ${runId}'`;
    appendFileSync(join(runDir, "run.log"), `${new Date().toISOString()} ${line}\n`);
    console.error(`wirelab traffic: ${line}`);
    return false;
  }
}
