// The density timeline: one bar per stretch of the range, the rows that ended in a denial or a
// failure drawn in colours of their own on top. Drag across it to zoom into that range (a click
// zooms into one bar); Zoom out doubles the range, Reset returns to the default 24 hours.

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type PointerEvent, useRef, useState } from 'react';

import { auditApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { ErrorBox } from '../components/ErrorBox';
import { apiQuery, type AuditView } from './filters';
import { bucketRange, dragRange, type Span, zoomOut } from './timelineMath';
import type { AuditBucket } from './types';

/** Stretches the timeline asks for. */
export const BUCKETS = 60;

const fmt = (ms: number) => new Date(ms).toLocaleString();

/** The bar's stacked parts: plain rows, failures, denials (SVG units: 100 = the tallest bar). */
function Bar({ bucket, index, count, max }: { bucket: AuditBucket; index: number; count: number; max: number }) {
  const x = (index / count) * 1000;
  const w = Math.max(1000 / count - 2, 1);
  const h = (n: number) => (max > 0 ? (n / max) * 100 : 0);
  const plain = Math.max(bucket.total - bucket.denied - bucket.failed, 0);
  return (
    <g data-bucket={index} data-total={bucket.total} data-denied={bucket.denied} data-failed={bucket.failed}>
      <title>{`${fmt(Date.parse(bucket.start))}: ${bucket.total} rows, ${bucket.denied} denied, ${bucket.failed} failed`}</title>
      <rect x={x} width={w} y={100 - h(bucket.total)} height={h(plain)} className="fill-slate-400 dark:fill-slate-500" />
      <rect x={x} width={w} y={100 - h(bucket.denied + bucket.failed)} height={h(bucket.failed)} className="fill-amber-500" />
      <rect x={x} width={w} y={100 - h(bucket.denied)} height={h(bucket.denied)} className="fill-red-600 dark:fill-red-500" />
      {/* The whole stretch answers the pointer, however short its bar. */}
      <rect x={x} width={1000 / count} y={0} height={100} fill="transparent" />
    </g>
  );
}

interface TimelineProps {
  view: AuditView;
  rowsKey: string;
  /**
   * Whether the view's rows are read: the timeline is read after them. The server reads the
   * store one query at a time, and the rows are what the page is opened for.
   */
  rowsRead: boolean;
  onZoom: (span: Span) => void;
  onReset: () => void;
}

export function Timeline({ view, rowsKey, rowsRead, onZoom, onReset }: TimelineProps) {
  const timeline = useQuery({
    queryKey: queryKeys.auditTimeline(rowsKey),
    queryFn: ({ signal }) => auditApi.timeline(apiQuery(view, Date.now()), BUCKETS, signal),
    placeholderData: keepPreviousData,
    enabled: rowsRead,
  });
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const data = timeline.data;
  const span: Span | null = data ? { from: Date.parse(data.from), to: Date.parse(data.to) } : null;
  const at = (e: PointerEvent) => {
    const box = svg.current?.getBoundingClientRect();
    return box && box.width > 0 ? (e.clientX - box.left) / box.width : 0;
  };
  const end = (e: PointerEvent) => {
    if (!drag || !span || !data) return setDrag(null);
    const x1 = at(e);
    const picked = dragRange(drag.x0, x1, span);
    setDrag(null);
    if (picked) return onZoom(picked);
    const index = Math.min(data.buckets.length - 1, Math.max(0, Math.floor(x1 * data.buckets.length)));
    if ((data.buckets[index]?.total ?? 0) > 0) onZoom(bucketRange(index, data.buckets.length, span));
  };
  const buckets = data?.buckets ?? [];
  const max = buckets.reduce((m, b) => Math.max(m, b.total), 0);
  const sum = (k: 'total' | 'denied' | 'failed') => buckets.reduce((n, b) => n + b[k], 0);
  const summary = data ? `${sum('total')} rows from ${fmt(Date.parse(data.from))} to ${fmt(Date.parse(data.to))}: ${sum('denied')} denied, ${sum('failed')} failed` : 'Loading the timeline';
  return (
    <section id="audit-timeline" aria-label="Audit density timeline" className="border-b border-slate-200 px-4 py-2 dark:border-slate-800" data-from={data?.from} data-to={data?.to}>
      {timeline.isError && <ErrorBox error={timeline.error} />}
      <svg
        ref={svg}
        role="img"
        aria-label={summary}
        viewBox="0 0 1000 100"
        preserveAspectRatio="none"
        className="h-16 w-full cursor-crosshair touch-none select-none rounded bg-slate-50 dark:bg-slate-900"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture?.(e.pointerId);
          const x = at(e);
          setDrag({ x0: x, x1: x });
        }}
        onPointerMove={(e) => drag && setDrag({ ...drag, x1: at(e) })}
        onPointerUp={end}
        onPointerCancel={() => setDrag(null)}
      >
        {buckets.map((b, i) => (
          <Bar key={b.start} bucket={b} index={i} count={buckets.length} max={max} />
        ))}
        {drag && <rect x={Math.min(drag.x0, drag.x1) * 1000} width={Math.abs(drag.x1 - drag.x0) * 1000} y={0} height={100} className="fill-blue-500/25 stroke-blue-600" />}
      </svg>
      <div className="mt-1 flex flex-wrap items-center gap-3 text-xs text-slate-600 dark:text-slate-400">
        <span>{data ? fmt(Date.parse(data.from)) : ''}</span>
        <span className="flex items-center gap-1"><span aria-hidden className="inline-block h-2 w-3 bg-slate-400 dark:bg-slate-500" /> rows</span>
        <span className="flex items-center gap-1"><span aria-hidden className="inline-block h-2 w-3 bg-amber-500" /> failed</span>
        <span className="flex items-center gap-1"><span aria-hidden className="inline-block h-2 w-3 bg-red-600 dark:bg-red-500" /> denied</span>
        <span className="text-slate-500">Drag to zoom in</span>
        <span className="flex-1" />
        <button type="button" id="timeline-zoom-out" disabled={!span} onClick={() => span && onZoom(zoomOut(span, Date.now()))} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50 dark:border-slate-700">
          Zoom out
        </button>
        <button type="button" id="timeline-reset" disabled={view.range.kind === 'preset'} onClick={onReset} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50 dark:border-slate-700">
          Reset range
        </button>
        <span>{data ? fmt(Date.parse(data.to)) : ''}</span>
      </div>
    </section>
  );
}
