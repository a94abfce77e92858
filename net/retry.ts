/** Bounded retries with exponential backoff and jitter, with the clock injectable so tests stay fast. */
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound of the un-jittered delay. */
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseMs: 1000, maxMs: 60_000 };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, { signal });
};

/**
 * Delay before retry number `retry` (1-based): the exponential step `min(maxMs, baseMs·2^(retry−1))`, of which
 * the upper half is jittered ("equal jitter"), so that many clients that failed together do not retry together
 * yet each waits at least half the step.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return step / 2 + random() * (step / 2);
}
