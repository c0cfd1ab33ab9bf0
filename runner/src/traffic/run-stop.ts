// A run's stop, listened to once, before the run starts anything: however
// early or late the AbortSignal fires (before, while or after its engines
// start), every wait of the run can race `stopped`, and an abort that comes
// while the run goes runs its stop action once. An abort that came before
// the run began finds nothing to stop: the run checks `requested()` before
// it starts each thing. No abort is missed for having come before a listener.
export interface RunStop {
  /** True once the stop was asked for. */
  readonly requested: () => boolean;
  /** Resolves when the stop is asked for (at once when it already was); never rejects. */
  readonly stopped: Promise<"stopped">;
  /** Stops listening (the run is over). */
  dispose(): void;
}

export function runStop(signal: AbortSignal | undefined, onStop: () => void): RunStop {
  let listener = () => {};
  const stopped = new Promise<"stopped">((resolve) => {
    listener = () => {
      onStop();
      resolve("stopped");
    };
    if (signal?.aborted) resolve("stopped");
    else signal?.addEventListener("abort", listener, { once: true });
  });
  return {
    requested: () => signal?.aborted === true,
    stopped,
    dispose: () => signal?.removeEventListener("abort", listener),
  };
}
