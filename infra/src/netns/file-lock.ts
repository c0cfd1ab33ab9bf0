// An exclusive lock the kernel keeps for us: flock(2) on an open file. It goes
// when the descriptor closes or the holder dies, so a killed `lab up` leaves no
// lock to take over and two processes can never both think they took it.
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

const LOCK_EX = 2;
const LOCK_NB = 4;

let libc: { symbols: { flock: (fd: number, op: number) => number } } | undefined;

function flock(fd: number, op: number): number {
  libc ??= dlopen("libc.so.6", { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
  return libc.symbols.flock(fd, op);
}

export interface HeldLock {
  release(): void;
}

function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Unreadable: say only that it is held.
    return undefined;
  }
}

/** Takes the lock or returns the PID the holder wrote into the file (undefined while it has not yet). */
export function tryLock(path: string): HeldLock | { holder: number | undefined } {
  const fd = openSync(path, "a+", 0o600);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return { holder: holderPid(path) };
  }
  // The PID is only for the message a waiting process prints; the lock itself is the flock.
  ftruncateSync(fd, 0);
  writeSync(fd, String(process.pid), 0);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
}

/** Runs body under the lock; `busy` words the one-line error when another live process holds it. */
export async function withFileLock<T>(path: string, busy: (holder: number | undefined) => string, body: () => Promise<T>, waitMs = 0): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const got = tryLock(path);
    if ("release" in got) {
      try {
        return await body();
      } finally {
        got.release();
      }
    }
    if (Date.now() >= deadline) {
      // The holder writes its PID just after taking the flock: a moment later the file names it.
      let holder = got.holder;
      for (let i = 0; holder === undefined && i < 20; i++) {
        await Bun.sleep(10);
        holder = holderPid(path);
      }
      throw new Error(busy(holder));
    }
    await Bun.sleep(25);
  }
}
