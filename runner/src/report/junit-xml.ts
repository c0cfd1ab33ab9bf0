// junit.xml: one testcase per verdict, plus one for the run itself, so a CI
// that reads JUnit shows a crashed or interrupted run even when no check ran.
import type { ReportData } from "./report-data.ts";
import { escapeXml } from "./format.ts";

export function renderJunit(data: ReportData): string {
  const { run } = data;
  const seconds = run.ended_at ? Math.max(0, (Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000) : 0;
  const cases = [
    { name: "run", ok: run.state === "passed" || (run.state === "failed" && data.verdicts.some((v) => !v.ok)), detail: `${run.state}${run.reason ? `: ${run.reason}` : ""}` },
    ...data.verdicts,
  ];
  const failures = cases.filter((c) => !c.ok).length;
  const suite = escapeXml(run.name);
  const body = cases.map((c) => {
    const head = `    <testcase classname="${escapeXml(`wirelab.${run.kind}.${run.id}`)}" name="${escapeXml(c.name)}"`;
    if (c.ok) return `${head}><system-out>${escapeXml(c.detail)}</system-out></testcase>`;
    return `${head}>\n      <failure message="${escapeXml(c.detail)}" type="${c.name === "run" ? run.state : "check"}">${escapeXml(c.detail)}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="wirelab" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${suite}" id="${escapeXml(run.id)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}" timestamp="${escapeXml(run.started_at)}">`,
    ...body,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
