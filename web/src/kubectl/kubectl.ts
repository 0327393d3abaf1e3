// The pure part of "Use with kubectl": which clusters are ticked, which token lifetimes may be
// offered, the request a form makes, and the lines and times the dialog shows. Unit tested.

import type { NewToken } from '../api/types.gen';

/** The name the kubeconfig is saved under (the server names it so too). */
export const KUBECONFIG_FILE = 'periscope.kubeconfig';

/** Longest token name the server takes (auth/tokens.rs). */
export const MAX_NAME = 100;

/** Lifetimes offered, in seconds, before the server's maximum cuts the list. */
const LIFETIMES = [15 * 60, 60 * 60, 4 * 3600, 8 * 3600, 24 * 3600, 7 * 86_400, 30 * 86_400];

/** The lifetime picked unless the user picks another (the server's default too, when allowed). */
const PREFERRED = 8 * 3600;

/** A duration in the largest whole units: 15 minutes, 1 hour, 8 hours, 7 days, 1 hour 30 minutes. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(seconds));
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  if (parts.length === 0) return `${rest} second${rest === 1 ? '' : 's'}`;
  return parts.slice(0, 2).join(' ');
}

/** The lifetimes a new token may have: the usual ones up to `max`, and `max` itself. */
export function ttlOptions(max: number): number[] {
  if (!(max > 0)) return [];
  const under = LIFETIMES.filter((s) => s < max);
  return [...under, Math.floor(max)];
}

/** The lifetime selected at first: 8 hours when offered, else the longest offered. */
export function defaultTtl(options: number[]): number | undefined {
  return options.includes(PREFERRED) ? PREFERRED : options[options.length - 1];
}

/** The clusters ticked at first: the one on screen, else the first known. */
export function initialClusters(current: string | undefined, all: string[]): string[] {
  if (current && all.includes(current)) return [current];
  return all.slice(0, 1);
}

/** `selected` with `name` ticked (`on`) or not, in the order of `all`. */
export function toggleCluster(selected: string[], name: string, on: boolean, all: string[]): string[] {
  const next = new Set(selected);
  if (on) next.add(name);
  else next.delete(name);
  return all.filter((c) => next.has(c));
}

/** How to use the saved file: the first cluster is the current context, the others by name. */
export function usageLines(clusters: string[]): string[] {
  const env = `KUBECONFIG=~/Downloads/${KUBECONFIG_FILE}`;
  const lines = [`${env} kubectl get pods`];
  for (const other of clusters.slice(1)) lines.push(`${env} kubectl --context periscope-${other} get pods`);
  return lines;
}

/** The body of `POST /api/tokens` for the form, or why the form cannot be sent. */
export function tokenRequest(name: string, clusters: string[], ttlSeconds: number | undefined, max: number): { body: NewToken } | { problem: string } {
  const trimmed = name.trim();
  if (!trimmed) return { problem: 'Name the token (where it will be used, e.g. "laptop").' };
  if (trimmed.length > MAX_NAME) return { problem: `The name is longer than ${MAX_NAME} characters.` };
  if (clusters.length === 0) return { problem: 'Tick at least one cluster.' };
  if (ttlSeconds === undefined || ttlSeconds <= 0) return { problem: 'Pick how long the token lives.' };
  if (ttlSeconds > max) return { problem: `A token lives at most ${formatDuration(max)}.` };
  return { body: { name: trimmed, clusters, ttlSeconds } };
}

/** A unix time relative to `nowMs`: "in 7 hours 59 minutes", "3 minutes ago", "just now". */
export function relativeTime(unixSeconds: number, nowMs: number): string {
  // To the minute: a token made a moment ago expires "in 8 hours", not "in 7 hours 59 minutes".
  const delta = Math.round((unixSeconds - nowMs / 1000) / 60) * 60;
  if (delta === 0) return 'just now';
  const span = formatDuration(Math.abs(delta));
  return delta > 0 ? `in ${span}` : `${span} ago`;
}
