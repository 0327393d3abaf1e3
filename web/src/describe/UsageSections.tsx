// Usage from metrics-server on a pod's and a node's describe view: bars against requests and
// limits (per container, and the pod's total), or against the node's allocatable. Nothing while
// it is read or when the read fails; a quiet line when metrics are not available.

import { type Against, UsageBar, UsageUnavailable } from '../components/UsageBar';
import { formatWindow, type UsageKey } from '../lib/usage';
import { useUsage } from './fetch';
import { Empty, Section, type SectionProps, Table } from './parts';
import { type Meter, nodeUsageShares, podUsageLines } from './usage';

/** metrics-server's window, small beside the title. */
function Window({ window }: { window: string | undefined }) {
  return window ? <span className="text-xs font-normal text-slate-500">metrics-server, {formatWindow(window)} window</span> : null;
}

/** One resource's usage of a container (or the pod): against its request and its limit, or the number alone. */
function MeterCell({ usage, meter }: { usage: UsageKey; meter: Meter }) {
  const against: [Against, number | null][] = [
    ['request', meter.request],
    ['limit', meter.limit],
  ];
  const set = against.filter(([, of]) => of !== null && of > 0);
  return (
    <div className="space-y-0.5 py-0.5" data-usage={usage} data-used={meter.used}>
      {set.length === 0 ? <UsageBar usage={usage} used={meter.used} of={null} against="request" /> : set.map(([what, of]) => <UsageBar key={what} usage={usage} used={meter.used} of={of} against={what} />)}
    </div>
  );
}

/** A pod's CPU and memory per container and in total, against requests and limits. */
export function PodUsage(props: SectionProps) {
  const usage = useUsage(props.cluster, 'pods', props.namespace, props.name);
  if (!usage) return null;
  if (!usage.available) return <UsageUnavailable reason={usage.reason} />;
  const item = usage.items.find((u) => u.name === props.name);
  return (
    <Section id="usage" title="Usage" extra={<Window window={usage.window} />}>
      {!item ? (
        <Empty>No usage reported for this pod (yet): metrics-server reports running containers.</Empty>
      ) : (
        <PodUsageTable lines={podUsageLines(props.object, item)} />
      )}
    </Section>
  );
}

/** Each container's line, then the pod's total. */
function PodUsageTable({ lines }: { lines: ReturnType<typeof podUsageLines> }) {
  const rows = [...lines.containers, lines.total].map((l) => ({
    key: l === lines.total ? 'pod total' : l.name,
    cells: [l === lines.total ? <span className="font-medium">{l.name}</span> : l.name, <MeterCell usage="cpu" meter={l.cpu} />, <MeterCell usage="memory" meter={l.memory} />],
  }));
  return <Table head={['Container', 'CPU', 'Memory']} rows={rows} />;
}

/** A node's CPU and memory usage against its allocatable. */
export function NodeUsage(props: SectionProps) {
  const usage = useUsage(props.cluster, 'nodes', undefined, props.name);
  if (!usage) return null;
  if (!usage.available) return <UsageUnavailable reason={usage.reason} />;
  const item = usage.items.find((u) => u.name === props.name);
  const shares = item ? nodeUsageShares(props.object, item) : null;
  return (
    <Section id="usage" title="Usage" extra={<Window window={usage.window} />}>
      {!shares ? (
        <Empty>No usage reported for this node (yet).</Empty>
      ) : (
        <Table
          head={['Resource', 'Used of allocatable']}
          rows={(['cpu', 'memory'] as const).map((k) => ({
            key: k,
            cells: [k === 'cpu' ? 'CPU' : 'Memory', <UsageBar usage={k} used={shares[k].used} of={shares[k].allocatable} against="allocatable" />],
          }))}
        />
      )}
    </Section>
  );
}
