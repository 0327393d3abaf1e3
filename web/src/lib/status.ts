// What a status text means at a glance: the tone its pill and row are drawn in. Pure: unit tested.

/** How a status reads: healthy, on its way, worth a look, failing, finished, or not known here. */
export type Tone = 'ok' | 'progress' | 'warn' | 'bad' | 'done' | 'neutral';

/** The words a tone adds to a status for assistive technology ("Status: Error (failing)"). */
export const TONE_WORDS: Record<Tone, string> = {
  ok: 'healthy',
  progress: 'in progress',
  warn: 'needs attention',
  bad: 'failing',
  done: 'finished',
  neutral: '',
};

// Lower-cased: custom resources' printer columns do not all write CamelCase.
const EXACT: Record<string, Tone> = {
  // Pods, nodes, namespaces, claims and volumes, Jobs.
  running: 'ok',
  ready: 'ok',
  active: 'ok',
  bound: 'ok',
  available: 'ok',
  healthy: 'ok',
  pending: 'progress',
  containercreating: 'progress',
  podinitializing: 'progress',
  terminating: 'progress',
  schedulinggated: 'progress',
  progressing: 'progress',
  // A cordoned node, a suspended Job, a volume whose claim is gone, a pod stopped by a node
  // shutdown: nothing is broken, but someone may want to know.
  suspended: 'warn',
  schedulingdisabled: 'warn',
  released: 'warn',
  degraded: 'warn',
  warning: 'warn',
  shutdown: 'warn',
  terminated: 'warn',
  failed: 'bad',
  oomkilled: 'bad',
  evicted: 'bad',
  lost: 'bad',
  notready: 'bad',
  unknown: 'bad',
  containerstatusunknown: 'bad',
  containercannotrun: 'bad',
  invalidimagename: 'bad',
  deadlineexceeded: 'bad',
  nodelost: 'bad',
  nodeaffinity: 'bad',
  unhealthy: 'bad',
  completed: 'done',
  complete: 'done',
  succeeded: 'done',
};

// Which tone wins when a text joins several (a cordoned node: "NotReady,SchedulingDisabled").
const WEIGHT: Record<Tone, number> = { neutral: 0, done: 1, ok: 2, progress: 3, warn: 4, bad: 5 };

function one(text: string): Tone {
  const t = text.trim().toLowerCase();
  if (!t) return 'neutral';
  // kubectl's init-container column: Init:0/2 is on its way, Init:CrashLoopBackOff is not.
  if (t.startsWith('init:')) return one(t.slice(5)) === 'bad' ? 'bad' : 'progress';
  if (t.startsWith('signal:') || t.startsWith('exitcode:')) return 'bad';
  const exact = EXACT[t];
  if (exact) return exact;
  // Waiting and terminated reasons the table does not name follow kubelet's patterns:
  // ImagePullBackOff, ErrImagePull, CreateContainerConfigError, OutOfcpu, SyncFailed.
  if (t.endsWith('backoff') || t.startsWith('err') || t.endsWith('error') || t.startsWith('outof') || t.endsWith('failed')) return 'bad';
  return 'neutral';
}

/** The tone of a status cell's text; texts it does not know are `neutral`. */
export function statusTone(text: string): Tone {
  if (!text.includes(',')) return one(text);
  return text.split(',').reduce<Tone>((worst, part) => {
    const tone = one(part);
    return WEIGHT[tone] > WEIGHT[worst] ? tone : worst;
  }, 'neutral');
}

/** The accessible name of a status: "Status: CrashLoopBackOff (failing)", or without words when neutral. */
export function statusLabel(text: string, tone: Tone = statusTone(text)): string {
  return TONE_WORDS[tone] ? `Status: ${text} (${TONE_WORDS[tone]})` : `Status: ${text}`;
}

/** The list columns drawn as a status pill (pods, nodes, claims, Jobs: `status`; namespaces: `phase`). */
export const STATUS_COLUMNS: readonly string[] = ['status', 'phase'];

/** From this many restarts a pod is worth a look. */
export const RESTARTS_WARN = 5;
/** From this many restarts a pod is shown as failing. */
export const RESTARTS_BAD = 20;

/** How a restart count is emphasised: `warn` from 5, `bad` from 20, else none. */
export function restartsTone(value: unknown): 'warn' | 'bad' | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < RESTARTS_WARN) return null;
  return n >= RESTARTS_BAD ? 'bad' : 'warn';
}
