// Commits by other processes to a run store, counted without a SQLite call per
// question. PRAGMA data_version opens a read transaction (shared-memory locks):
// asked for every GET /runs it was a third of the server's time under load.
// It is asked again only once the store's files were seen to change (fs.watch
// on the database and its WAL, where every commit writes) or EXTERNAL_RECHECK_MS
// after it was last asked: a notice can come late (it is delivered between
// requests) or never (no inotify on the filesystem, the files replaced), so
// another process's run shows within that bound at worst, within the notice's
// delivery (well under a millisecond) as a rule.
import { watch, type FSWatcher } from "node:fs";

/** The longest a commit by another process can go unseen. */
export const EXTERNAL_RECHECK_MS = 20;

interface DataVersion {
  get(): { data_version: number } | null;
}

export class ExternalChanges {
  private watchers: FSWatcher[] | undefined;
  private dirty = true;
  private checkedAt = 0;
  private version: number | undefined;
  private changes = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Grows by one each time PRAGMA data_version is found changed; watches `dbFile` from the first call on. */
  count(dbFile: string, dataVersion: DataVersion): number {
    if (!this.watchers) this.watch(dbFile);
    const now = this.now();
    if (this.dirty || now - this.checkedAt >= EXTERNAL_RECHECK_MS) {
      this.dirty = false;
      this.checkedAt = now;
      const v = dataVersion.get()!.data_version;
      if (v !== this.version) {
        this.version = v;
        this.changes++;
      }
    }
    return this.changes;
  }

  stop(): void {
    for (const w of this.watchers ?? []) w.close();
    this.watchers = [];
  }

  // Started on first use, not at open: only a server asks, and a CLI run's process should not carry a watcher.
  private watch(dbFile: string): void {
    this.watchers = [];
    for (const file of [dbFile, `${dbFile}-wal`]) {
      try {
        // Not persistent: a watcher must not keep a process alive that forgot to close its store.
        const w = watch(file, { persistent: false }, () => (this.dirty = true));
        w.on("error", () => w.close());
        this.watchers.push(w);
      } catch {
        // Not watchable (no WAL file yet, no inotify): the re-check bound still holds.
      }
    }
  }
}
