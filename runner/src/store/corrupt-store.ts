// For tests: breaks a real run store on disk the way a bad disk or a stray
// write does, so the code reading it meets SQLite's own corruption errors.
import { Database } from "bun:sqlite";
import { closeSync, openSync, writeSync } from "node:fs";

/**
 * Overwrites the root page of `table` with garbage (after folding the WAL into the file), so the next read of that
 * table, by any connection that has not cached the page, fails with `database disk image is malformed`.
 * Returns the page number.
 */
export function corruptTable(path: string, table: string): number {
  const db = foldWal(path);
  try {
    const root = db.query<{ rootpage: number }, { name: string }>("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = $name").get({ name: table });
    if (!root) throw new Error(`${path}: no table '${table}' to corrupt`);
    const pageSize = db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (root.rootpage - 1) * pageSize);
    } finally {
      closeSync(fd);
    }
    return root.rootpage;
  } finally {
    db.close();
  }
}

/** Overwrites the file's header: SQLite no longer takes it for a database at all. */
export function corruptHeader(path: string): void {
  foldWal(path).close();
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
  } finally {
    closeSync(fd);
  }
}

/** Every page in the main file, the WAL empty: what is written over the file is what the next reader reads. */
function foldWal(path: string): Database {
  const db = new Database(path);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA wal_checkpoint(TRUNCATE)");
  return db;
}
