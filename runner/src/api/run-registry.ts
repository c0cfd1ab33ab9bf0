// The runs this server process is driving: one AbortController each, and the
// hosts each holds, so a second run on a busy host is refused with its holder.
export interface ActiveRun {
  readonly id: string;
  readonly hosts: readonly string[];
  readonly controller: AbortController;
  readonly startedAt: number;
  /** Settles when the run has finished and been recorded. */
  done: Promise<void>;
}

export class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>();
  private changes = 0;

  /** Grows with every run added or deleted: a cached answer that shows active runs compares one number. */
  get version(): number {
    return this.changes;
  }

  /** The run holding any of these hosts, if one does. */
  holder(hosts: readonly string[]): ActiveRun | undefined {
    for (const run of this.runs.values()) if (run.hosts.some((h) => hosts.includes(h))) return run;
    return undefined;
  }

  add(run: ActiveRun): void {
    this.runs.set(run.id, run);
    this.changes++;
  }

  get(id: string): ActiveRun | undefined {
    return this.runs.get(id);
  }

  delete(id: string): void {
    if (this.runs.delete(id)) this.changes++;
  }

  list(): ActiveRun[] {
    return [...this.runs.values()];
  }

  get size(): number {
    return this.runs.size;
  }
}
