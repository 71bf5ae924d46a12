/**
 * Where "now" comes from. Verifiers and the signing server take a Clock instead of calling
 * `new Date()` / `Date.now()` themselves, so one clock rules a whole operation (and a test can fix it).
 */
export interface Clock {
  /** The current time. */
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that always says `at` (tests, re-validation at a given time). */
export function fixedClock(at: Date): Clock {
  const t = at.getTime();
  return { now: () => new Date(t) };
}
