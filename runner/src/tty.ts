// Whether a standard stream is a terminal. Asking process.stderr builds Bun's node stream
// for it on first use, which costs a short command such as `lab up` about 16 ms; isatty(3)
// from libc costs well under one.
import { dlopen, FFIType } from "bun:ffi";

let libc: { symbols: { isatty: (fd: number) => number } } | undefined;

export function isTerminal(fd: 0 | 1 | 2): boolean {
  libc ??= dlopen("libc.so.6", { isatty: { args: [FFIType.i32], returns: FFIType.i32 } });
  return libc.symbols.isatty(fd) === 1;
}
