// The exec WebSocket's frames (docs/api.md, "Exec"; the Go original's protocol): binary frames
// carry stdin (to the server) and the merged output (from it); text frames are JSON control
// messages. Pure: no socket here, so every frame is unit-tested.

import { PODS_REF } from '../lib/kinds';
import { objectPath } from '../lib/resources';

/** A control message from the server. */
export type ServerControl =
  | { type: 'hello'; sessionId: string; container: string; recordInput: boolean }
  | { type: 'idle_warn'; secondsRemaining: number }
  | { type: 'error'; code: string; message: string; retryable: boolean }
  | { type: 'closed'; reason: string; exitCode: number | null };

/** Where a terminal runs: a container of a pod (no container: the server's default). */
export interface ExecTarget {
  cluster: string;
  namespace: string;
  pod: string;
  container?: string;
  /** The process to run (argv); none: the server's shell probe (bash, else sh). */
  command?: string[];
  tty?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads a text frame; anything that is not a known control message is `null` (ignored). */
export function parseControl(text: string): ServerControl | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'hello': {
      const sessionId = str(v.sessionId);
      if (!sessionId) return null;
      return { type: 'hello', sessionId, container: str(v.container) ?? '', recordInput: v.recordInput === true };
    }
    case 'idle_warn': {
      const seconds = num(v.secondsRemaining);
      return seconds === undefined ? null : { type: 'idle_warn', secondsRemaining: Math.max(0, seconds) };
    }
    case 'error':
      return { type: 'error', code: str(v.code) ?? 'E_UNKNOWN', message: str(v.message) ?? '', retryable: v.retryable === true };
    case 'closed':
      return { type: 'closed', reason: str(v.reason) ?? 'unknown', exitCode: num(v.exitCode) ?? null };
    default:
      return null;
  }
}

/** The resize frame, or `null` for a size the server would ignore. */
export function resizeFrame(cols: number, rows: number): string | null {
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) return null;
  return JSON.stringify({ type: 'resize', cols, rows });
}

/** Ends the session on purpose (the close reason becomes `client`). */
export const CLOSE_FRAME = JSON.stringify({ type: 'close' });

const encoder = new TextEncoder();

/** Typed text as the stdin frame's bytes (UTF-8). */
export function encodeInput(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** xterm's binary input (mouse reports): one byte per character. */
export function encodeBinaryInput(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/** `command=`: the argv as JSON, UTF-8, base64url without padding. */
export function commandParam(argv: string[]): string {
  let binary = '';
  for (const byte of encoder.encode(JSON.stringify(argv))) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The exec route of a target, with its query (path only: same origin). */
export function execPath(target: ExecTarget): string {
  const query = new URLSearchParams();
  if (target.container) query.set('container', target.container);
  if (target.command && target.command.length > 0) query.set('command', commandParam(target.command));
  if (target.tty === false) query.set('tty', 'false');
  const qs = query.toString();
  return `${objectPath(target.cluster, PODS_REF, target.namespace, target.pod)}/exec${qs ? `?${qs}` : ''}`;
}

/** The WebSocket URL of `path` on this page's own origin (the server refuses any other). */
export function wsUrl(location: { protocol: string; host: string }, path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

const REASONS: Record<string, string> = {
  completed: 'the shell exited',
  container_exit: 'the process exited',
  idle: 'closed after being idle',
  heartbeat_timeout: 'the browser stopped answering',
  client: 'you closed it',
  deadline: 'it reached the longest session allowed',
  forbidden: 'your role may not exec into this pod',
  no_shell: 'the container has no shell',
  server_error: 'a server error ended it',
  stream_canceled: 'the connection to the container broke',
  terminated: 'it was ended from the session list',
  server_shutdown: 'the server shut down',
  server_restart: 'the server restarted',
};

/** A person's words for a `closed` frame. */
export function describeClose(reason: string, exitCode: number | null): string {
  const why = REASONS[reason] ?? reason.replace(/_/g, ' ');
  return exitCode === null || reason === 'completed' ? `Session ended: ${why}.` : `Session ended: ${why} (exit code ${exitCode}).`;
}
