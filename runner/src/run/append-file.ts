// A file a run appends to as it goes (samples.jsonl, run.log), opened on its
// first line and kept open until the run finishes: a sample then costs one
// write instead of an open, a write and a close.
import { appendFileSync, closeSync, openSync, writeSync } from "node:fs";

export class AppendFile {
  private fd: number | undefined;
  private closed = false;

  constructor(readonly path: string) {}

  append(text: string): void {
    // A line after the run finished (a late log line) still lands, without holding the file open again.
    if (this.closed) return appendFileSync(this.path, text);
    this.fd ??= openSync(this.path, "a");
    writeSync(this.fd, text);
  }

  close(): void {
    this.closed = true;
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
