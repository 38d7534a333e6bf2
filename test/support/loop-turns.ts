/**
 * Counts the event loop's turns while `work` runs (a setImmediate that re-arms itself): work that yields
 * lets it turn; a chain of synchronous steps and microtasks does not. A count, not a timer: it does not
 * depend on the machine's speed.
 */
export async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns += 1;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    return { result: await work(), turns };
  } finally {
    spinning = false;
  }
}
