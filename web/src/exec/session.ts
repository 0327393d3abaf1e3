// One terminal: its WebSocket, the reconnect rules (reconnect.ts) and what the footer shows.
// No React and no xterm here: the view subscribes to output and to the snapshot, so the
// lifecycle is unit-tested with a fake socket.

import { CLOSE_FRAME, describeClose, encodeBinaryInput, encodeInput, type ExecTarget, execPath, parseControl, resizeFrame, wsUrl } from './protocol';
import { type Ending, reconnectDelay, reconnects, RECONNECT_DELAYS_MS } from './reconnect';
import { isLasting, type Refusal, refusalText } from './refusal';

/** The part of a WebSocket a session uses. */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface SessionDeps {
  socket: (url: string) => SocketLike;
  /** Why the exec URL `path` refuses (see refusal.ts); `null` when it could not be told. */
  diagnose: (path: string) => Promise<Refusal | null>;
  location: { protocol: string; host: string };
  now: () => number;
  setTimer: (run: () => void, ms: number) => unknown;
  clearTimer: (timer: unknown) => void;
}

export type Phase = 'connecting' | 'open' | 'reconnecting' | 'ended';

/** What the terminal's footer and banners show; a new object on every change. */
export interface SessionView {
  phase: Phase;
  /** The reconnect attempt under way or next (1..4), 0 when none. */
  attempt: number;
  /** When the next reconnect attempt starts (epoch ms). */
  retryAt?: number;
  /** Shells this terminal has had (a reconnect is a new one). */
  shells: number;
  sessionId?: string;
  container?: string;
  recordInput: boolean;
  /** When the current shell opened (epoch ms). */
  openedAt?: number;
  /** When the server closes an idle session, after its warning (epoch ms). */
  idleCloseAt?: number;
  ended?: {
    text: string;
    refusal?: Refusal;
    reason?: string;
    exitCode?: number | null;
  };
}

/** Output kept for a view that is not there yet (the terminal code loads lazily). */
const MAX_PENDING_BYTES = 1 << 20;
const OPEN = 1;

type Output = (bytes: Uint8Array) => void;

let nextLocalId = 1;

export class ExecSession {
  /** This terminal's id in the page (tabs), not the server's session id. */
  readonly localId = `t${nextLocalId++}`;
  readonly target: ExecTarget;
  private readonly deps: SessionDeps;
  private socket: SocketLike | null = null;
  private ending: Ending | null = null;
  private endText: string | null = null;
  private exitCode: number | null = null;
  private closeReason: string | undefined;
  private helloed = false;
  private timer: unknown = null;
  private size: { cols: number; rows: number } | null = null;
  private sentSize: string | null = null;
  private outputs = new Set<Output>();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private listeners = new Set<() => void>();
  private state: SessionView = { phase: 'connecting', attempt: 0, shells: 0, recordInput: false };

  private started = false;

  /** `connectNow: false` waits for start() (a component connects in its effect). */
  constructor(target: ExecTarget, deps: SessionDeps, connectNow = true) {
    this.target = target;
    this.deps = deps;
    if (connectNow) this.start();
  }

  /** Connects, unless connected already; after close() it connects again. */
  start(): void {
    if (this.started && this.state.phase !== 'ended') return;
    this.started = true;
    this.cancelTimer();
    this.update({ ended: undefined, attempt: 0, retryAt: undefined });
    this.connect();
  }

  get view(): SessionView {
    return this.state;
  }

  /** The exec URL's path and query. */
  get path(): string {
    return execPath(this.target);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = (): SessionView => this.state;

  /** Receives the output from now on, after what arrived before anyone listened. */
  onOutput(output: Output): () => void {
    this.outputs.add(output);
    for (const chunk of this.pending) output(chunk);
    this.pending = [];
    this.pendingBytes = 0;
    return () => this.outputs.delete(output);
  }

  /** Typed text (xterm's onData). */
  input(text: string): void {
    this.sendInput(encodeInput(text));
  }

  /** xterm's binary input (mouse reports). */
  binaryInput(text: string): void {
    this.sendInput(encodeBinaryInput(text));
  }

  /** The terminal's size in cells: sent now and to every new shell. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.sendSize();
  }

  /** Ends the session on purpose (close reason `client`). */
  close(): void {
    this.cancelTimer();
    if (this.state.phase === 'ended') return;
    this.ending = { kind: 'user' };
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      if (socket.readyState === OPEN) socket.send(CLOSE_FRAME);
      socket.close(1000, 'closed by the user');
    }
    this.finish('Session closed.');
  }

  /** A new shell after the session ended (the button, or Enter in an ended terminal). */
  restart(): void {
    if (this.state.phase !== 'ended') return;
    this.notice('Starting a new shell…');
    this.start();
  }

  private sendInput(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.state.phase === 'ended') return;
    if (!this.helloed || this.socket?.readyState !== OPEN) return;
    this.socket.send(bytes);
    // Typing resets the server's idle timer.
    if (this.state.idleCloseAt !== undefined) this.update({ idleCloseAt: undefined });
  }

  private sendSize(): void {
    if (!this.size || !this.helloed || this.socket?.readyState !== OPEN) return;
    const frame = resizeFrame(this.size.cols, this.size.rows);
    if (!frame || frame === this.sentSize) return;
    this.socket.send(frame);
    this.sentSize = frame;
  }

  private connect(): void {
    this.ending = null;
    this.endText = null;
    this.exitCode = null;
    this.closeReason = undefined;
    this.helloed = false;
    this.sentSize = null;
    this.update({ phase: this.state.attempt > 0 ? 'reconnecting' : 'connecting', retryAt: undefined, idleCloseAt: undefined });
    const socket = this.deps.socket(wsUrl(this.deps.location, this.path));
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket === socket) {
        this.socket = null;
        void this.closed();
      }
    };
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.output(new Uint8Array(data));
      if (this.state.idleCloseAt !== undefined) this.update({ idleCloseAt: undefined });
      return;
    }
    if (typeof data !== 'string') return;
    const frame = parseControl(data);
    if (!frame) return;
    switch (frame.type) {
      case 'hello': {
        const reconnected = this.state.shells > 0;
        this.helloed = true;
        this.update({
          phase: 'open',
          attempt: 0,
          shells: this.state.shells + 1,
          sessionId: frame.sessionId,
          container: frame.container,
          recordInput: frame.recordInput,
          openedAt: this.deps.now(),
        });
        if (reconnected) this.notice(`Reconnected: this is a NEW shell (session ${frame.sessionId}); what ran in the old one is gone.`);
        this.sendSize();
        return;
      }
      case 'idle_warn':
        this.update({ idleCloseAt: this.deps.now() + frame.secondsRemaining * 1000 });
        return;
      case 'error':
        this.ending = { kind: 'error', code: frame.code, retryable: frame.retryable };
        this.endText = frame.message ? `${frame.message} (${frame.code})` : frame.code;
        return;
      case 'closed':
        this.exitCode = frame.exitCode;
        this.closeReason = frame.reason;
        if (this.ending?.kind !== 'error') {
          this.ending = { kind: 'closed', reason: frame.reason };
          this.endText = describeClose(frame.reason, frame.exitCode);
        }
    }
  }

  /** The socket closed: end, reconnect, or find out why it never opened. */
  private async closed(): Promise<void> {
    if (this.ending?.kind === 'user') return;
    const opened = this.helloed;
    this.helloed = false;
    if (opened) {
      const ending = this.ending ?? { kind: 'dropped' };
      if (!reconnects(ending)) return this.finish(this.endText ?? 'Session ended.');
      this.notice(`${this.endText ?? 'The connection dropped.'} Reconnecting…`);
      return this.schedule(1);
    }
    if (this.ending) return this.finish(this.endText ?? 'Session ended.');
    // Never opened: the refusal came before the upgrade, where the browser cannot read it.
    const attempt = this.state.attempt;
    const refusal = await this.deps.diagnose(this.path);
    if (this.ending !== null) return; // closed by the user meanwhile
    if (attempt === 0) {
      const fallback: Refusal = { kind: 'other', message: 'The terminal could not connect to the server.' };
      return this.refuse(refusal ?? fallback);
    }
    if (refusal && isLasting(refusal)) return this.refuse(refusal);
    this.schedule(attempt + 1);
  }

  private schedule(attempt: number): void {
    const delay = reconnectDelay(attempt);
    if (delay === null) {
      return this.finish(`Gave up reconnecting after ${RECONNECT_DELAYS_MS.length} attempts.`);
    }
    this.update({ phase: 'reconnecting', attempt, retryAt: this.deps.now() + delay, idleCloseAt: undefined });
    this.cancelTimer();
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private refuse(refusal: Refusal): void {
    this.finish(refusalText(refusal), refusal);
  }

  private finish(text: string, refusal?: Refusal): void {
    this.cancelTimer();
    this.notice(text);
    this.update({
      phase: 'ended',
      attempt: 0,
      retryAt: undefined,
      idleCloseAt: undefined,
      ended: { text, refusal, reason: this.closeReason, exitCode: this.exitCode },
    });
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }

  /** A line from the console itself, in the terminal (dim, on its own line). */
  private notice(text: string): void {
    this.output(encodeInput(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`));
  }

  private output(bytes: Uint8Array): void {
    if (this.outputs.size === 0) {
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      while (this.pendingBytes > MAX_PENDING_BYTES && this.pending.length > 1) this.pendingBytes -= this.pending.shift()?.length ?? 0;
      return;
    }
    for (const output of this.outputs) output(bytes);
  }

  private update(patch: Partial<SessionView>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
