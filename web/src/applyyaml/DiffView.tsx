import type { DiffLine } from './diff';

/** Unchanged lines kept around each change; longer unchanged runs fold into one line. */
const CONTEXT = 3;

type Shown = { type: 'line'; line: DiffLine } | { type: 'fold'; count: number };

function fold(lines: DiffLine[]): Shown[] {
  const near = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(lines.length - 1, i + CONTEXT); k++) near[k] = true;
  });
  const out: Shown[] = [];
  lines.forEach((line, i) => {
    if (near[i]) return out.push({ type: 'line', line });
    const last = out[out.length - 1];
    if (last?.type === 'fold') last.count++;
    else out.push({ type: 'fold', count: 1 });
  });
  return out;
}

const TONE: Record<DiffLine['op'], string> = {
  '+': 'bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200',
  '-': 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  ' ': 'text-slate-600 dark:text-slate-400',
};

/** A unified line diff: live object (−) against the dry run's result (+). */
export function DiffView({ lines }: { lines: DiffLine[] }) {
  if (!lines.some((l) => l.op !== ' ')) return <p className="text-xs text-slate-500">No change: the object already is what the document says.</p>;
  return (
    <pre data-testid="apply-diff" className="max-h-80 overflow-auto rounded border border-slate-200 text-xs leading-5 dark:border-slate-700">
      {fold(lines).map((s, i) =>
        s.type === 'fold' ? (
          <div key={i} className="bg-slate-50 px-2 text-slate-400 dark:bg-slate-800">
            … {s.count} unchanged line{s.count === 1 ? '' : 's'}
          </div>
        ) : (
          <div key={i} data-op={s.line.op} className={`px-2 whitespace-pre ${TONE[s.line.op]}`}>
            {s.line.op} {s.line.text}
          </div>
        ),
      )}
    </pre>
  );
}
