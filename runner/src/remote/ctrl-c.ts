// Ctrl-C for a run on a server: the first SIGINT/SIGTERM asks the server to
// stop the run (the caller's follower sends DELETE and waits for the summary);
// a second one leaves at once.
export async function withServerInterrupt(run: (interrupt: AbortSignal) => Promise<number>): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(interrupt.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
