import { Link } from 'react-router';

import { type KubeObject, toSecretKeys } from '../../api/endpoints';
import { RelatedPods } from '../../components/RelatedPods';
import { SecretData } from '../../components/SecretData';
import { formatAge } from '../../lib/format';
import { keyFields } from '../../describe/fields';
import { at } from '../../describe/model';
import { ObjectLink } from '../../describe/parts';
import { PrinterFields } from '../../describe/PrinterFields';
import { sectionsFor } from '../../describe/sections';
import { type KindEntry, ownerEntry } from '../../lib/kinds';
import { detailRoute } from '../../lib/resources';
import { podSelection } from '../../lib/selector';

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string }[];
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * The describe tab: kind, namespace, age, UID, the kind's key fields (describe/fields.ts), owners,
 * labels, the kind's sections (describe/sections.ts), related pods, Secret keys, conditions,
 * annotations.
 */
export function Describe(props: { cluster: string; group: string; resource: string; path: string; object: KubeObject; catalog: KindEntry[] }) {
  const { cluster, group, resource, path, object, catalog } = props;
  const meta = (object.metadata ?? {}) as Meta;
  const pods = podSelection(group, resource, object);
  const conditions = (at(object, ['status', 'conditions']) ?? []) as Condition[];
  const fields = keyFields(group, resource, object);
  const builtin = catalog.find((e) => e.group === (group || 'core') && e.resource === resource)?.builtin ?? false;
  const sections = sectionsFor(group, resource, builtin);
  const sectionProps = { cluster, namespace: meta.namespace, name: meta.name ?? '', object, catalog };
  return (
    <div className="space-y-5 text-sm" data-describe={String(object.kind ?? '')}>
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1">
        <dt className="text-slate-500">Kind</dt>
        <dd>{String(object.kind ?? '')} ({String(object.apiVersion ?? '')})</dd>
        {meta.namespace && (
          <>
            <dt className="text-slate-500">Namespace</dt>
            <dd>{meta.namespace}</dd>
          </>
        )}
        <dt className="text-slate-500">Created</dt>
        <dd title={meta.creationTimestamp}>{formatAge(meta.creationTimestamp)} ago</dd>
        <dt className="text-slate-500">UID</dt>
        <dd className="font-mono text-xs">{meta.uid}</dd>
        {fields.map(({ label, value, target }) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd data-field={label} className="break-words">
              {target ? <ObjectLink cluster={cluster} catalog={catalog} namespace={meta.namespace} target={target}>{value}</ObjectLink> : value}
            </dd>
          </div>
        ))}
        {!builtin && <PrinterFields cluster={cluster} catalog={catalog} group={group} resource={resource} namespace={meta.namespace} name={meta.name ?? ''} />}
        <dt className="text-slate-500">Owners</dt>
        <dd>
          {(meta.ownerReferences ?? []).length === 0 && '—'}
          {(meta.ownerReferences ?? []).map((o) => {
            const entry = ownerEntry(catalog, o.apiVersion, o.kind);
            const label = `${o.kind}/${o.name}`;
            return entry ? (
              <Link key={label} className="mr-3 text-blue-700 hover:underline dark:text-blue-300" to={detailRoute(cluster, entry, entry.namespaced ? meta.namespace : undefined, o.name)}>
                {label}
              </Link>
            ) : (
              <span key={label} className="mr-3">{label}</span>
            );
          })}
        </dd>
      </dl>
      <section>
        <h2 className="mb-1 font-semibold">Labels</h2>
        <div className="flex flex-wrap gap-1">
          {Object.entries(meta.labels ?? {}).map(([k, v]) => (
            <span key={k} className="rounded bg-slate-200 px-2 py-0.5 font-mono text-xs dark:bg-slate-800">
              {k}={v}
            </span>
          ))}
          {Object.keys(meta.labels ?? {}).length === 0 && <span className="text-slate-500">None</span>}
        </div>
      </section>
      {sections.map((S, i) => <S key={i} {...sectionProps} />)}
      {pods.applies && <RelatedPods cluster={cluster} namespace={meta.namespace} selector={pods.selector} />}
      {object.kind === 'Secret' && Array.isArray(object.keys) && <SecretData path={path} keys={toSecretKeys(object.keys)} />}
      {conditions.length > 0 && (
        <section>
          <h2 className="mb-1 font-semibold">Conditions</h2>
          <table className="w-full">
            <thead className="text-left text-xs text-slate-500">
              <tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr>
            </thead>
            <tbody>
              {conditions.map((c) => (
                <tr key={c.type} className="border-t border-slate-200 align-top dark:border-slate-800">
                  <td className="pr-3">{c.type}</td>
                  <td className={`pr-3 ${c.status === 'True' ? 'text-green-700 dark:text-green-300' : 'text-amber-700 dark:text-amber-300'}`}>{c.status}</td>
                  <td className="pr-3">{c.reason ?? ''}</td>
                  <td className="pr-3">{c.message ?? ''}</td>
                  <td>{formatAge(c.lastTransitionTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {Object.keys(meta.annotations ?? {}).length > 0 && (
        <details>
          <summary className="cursor-pointer font-semibold">Annotations ({Object.keys(meta.annotations ?? {}).length})</summary>
          <ul className="mt-1 font-mono text-xs">
            {Object.entries(meta.annotations ?? {}).map(([k, v]) => (
              <li key={k} className="break-all">{k}: {v}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
