// RBAC sections: a role's rules as `kubectl describe role` tabulates them, a binding's subjects,
// and the bindings that name a ServiceAccount.

import { useRows } from './fetch';
import { records, ruleRows } from './model';
import { Empty, ObjectLink, Section, type SectionProps, Table } from './parts';

/** A Role's or ClusterRole's rules: resources × verbs. */
export function RulesTable(props: SectionProps) {
  const rows = ruleRows(props.object.rules);
  return (
    <Section id="rules" title="Rules">
      {rows.length === 0 ? (
        <Empty>No rules: this role allows nothing.</Empty>
      ) : (
        <Table
          head={['Resources', 'Non-resource URLs', 'Resource names', 'Verbs']}
          rows={rows.map((r) => ({
            key: `${r.resource}|${r.nonResourceUrl}|${r.resourceName}`,
            cells: [r.resource || '—', r.nonResourceUrl || '—', r.resourceName || '—', <span className="font-mono text-xs" data-verbs={r.verbs.join(',')}>{r.verbs.join(', ')}</span>],
          }))}
        />
      )}
    </Section>
  );
}

/** A binding's role and subjects, linked (ServiceAccounts to their page). */
export function Subjects(props: SectionProps) {
  const roleRef = (props.object.roleRef ?? {}) as Record<string, unknown>;
  const clusterRole = roleRef.kind === 'ClusterRole';
  const subjects = records(props.object.subjects);
  return (
    <Section id="subjects" title="Subjects">
      <p className="mb-1 text-sm">
        Grants{' '}
        <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'rbac.authorization.k8s.io', resource: clusterRole ? 'clusterroles' : 'roles', name: String(roleRef.name ?? '') }}>
          {`${String(roleRef.kind ?? '')}/${String(roleRef.name ?? '')}`}
        </ObjectLink>
        {clusterRole && props.namespace && ` in namespace ${props.namespace} only`}
      </p>
      {subjects.length === 0 ? (
        <Empty>No subjects: this binding grants nothing.</Empty>
      ) : (
        <Table
          head={['Kind', 'Name', 'Namespace']}
          rows={subjects.map((s) => ({
            key: `${String(s.kind)}/${String(s.namespace ?? '')}/${String(s.name)}`,
            cells: [
              String(s.kind),
              s.kind === 'ServiceAccount' ? (
                <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={String(s.namespace ?? props.namespace ?? '')} target={{ group: 'core', resource: 'serviceaccounts', name: String(s.name), namespace: String(s.namespace ?? props.namespace ?? '') }} />
              ) : (
                String(s.name)
              ),
              String(s.namespace ?? '—'),
            ],
          }))}
        />
      )}
    </Section>
  );
}

/** The RoleBindings (in its namespace) and ClusterRoleBindings that name a ServiceAccount. */
export function AccountBindings(props: SectionProps) {
  const rb = useRows(props.cluster, props.catalog, 'rbac.authorization.k8s.io', 'rolebindings', { namespace: props.namespace }, 500);
  const crb = useRows(props.cluster, props.catalog, 'rbac.authorization.k8s.io', 'clusterrolebindings', {}, 500);
  // Rows carry subject names only: a binding naming a user of the same name shows too.
  const names = (subjects: unknown) => String(subjects ?? '').split(',').map((s) => s.trim());
  const bound = [
    ...(rb.data?.items ?? []).filter((r) => names(r.subjects).includes(props.name)).map((r) => ({ resource: 'rolebindings', row: r })),
    ...(crb.data?.items ?? []).filter((r) => names(r.subjects).includes(props.name)).map((r) => ({ resource: 'clusterrolebindings', row: r })),
  ];
  return (
    <Section id="bindings" title="Bindings">
      {!rb.data && !crb.data ? (
        <Empty>Loading…</Empty>
      ) : bound.length === 0 ? (
        <Empty>No binding names this account: it may do only what every authenticated identity may.</Empty>
      ) : (
        <Table
          head={['Binding', 'Role']}
          rows={bound.map(({ resource, row }) => ({
            key: `${resource}/${row.name}`,
            cells: [
              <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'rbac.authorization.k8s.io', resource, name: row.name }}>
                {`${resource === 'rolebindings' ? 'RoleBinding' : 'ClusterRoleBinding'}/${row.name}`}
              </ObjectLink>,
              String(row.role ?? ''),
            ],
          }))}
        />
      )}
    </Section>
  );
}

