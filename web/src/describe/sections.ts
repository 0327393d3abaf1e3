// Which sections the describe view shows per kind, after its key fields: data, one table.

import type { ComponentType } from 'react';

import { ConfigData, LimitTable, NodeDetails, QuotaBars } from './ClusterSections';
import { ArgoResources, CertificateExpiry, MonitorEndpoints, SpecStatusTree } from './CrdSections';
import { IngressRules, PolicyRules, ServicePorts, SliceEndpoints } from './NetworkSections';
import type { SectionProps } from './parts';
import { Containers, TemplateContainers, Volumes } from './PodSections';
import { AccountBindings, RulesTable, Subjects } from './RbacSections';
import { NodeUsage, PodUsage } from './UsageSections';
import { ActiveJobs, HpaMetrics, RolloutPanel, SelectedPods } from './WorkloadSections';

type SectionComponent = ComponentType<SectionProps>;

/** Sections per kind, by `group/resource` (the core group is `core`). */
export const KIND_SECTIONS: Record<string, SectionComponent[]> = {
  'core/pods': [PodUsage, Containers, Volumes],
  'apps/deployments': [RolloutPanel, TemplateContainers],
  'apps/statefulsets': [RolloutPanel, TemplateContainers],
  'apps/daemonsets': [RolloutPanel, TemplateContainers],
  'apps/replicasets': [TemplateContainers],
  'batch/jobs': [TemplateContainers],
  'batch/cronjobs': [ActiveJobs],
  'autoscaling/horizontalpodautoscalers': [HpaMetrics],
  'policy/poddisruptionbudgets': [SelectedPods],
  'core/services': [ServicePorts],
  'networking.k8s.io/ingresses': [IngressRules],
  'discovery.k8s.io/endpointslices': [SliceEndpoints],
  'networking.k8s.io/networkpolicies': [PolicyRules],
  'core/configmaps': [ConfigData],
  'core/serviceaccounts': [AccountBindings],
  'rbac.authorization.k8s.io/roles': [RulesTable],
  'rbac.authorization.k8s.io/clusterroles': [RulesTable],
  'rbac.authorization.k8s.io/rolebindings': [Subjects],
  'rbac.authorization.k8s.io/clusterrolebindings': [Subjects],
  'core/nodes': [NodeUsage, NodeDetails],
  'core/resourcequotas': [QuotaBars],
  'core/limitranges': [LimitTable],
  'argoproj.io/applications': [ArgoResources],
  'cert-manager.io/certificates': [CertificateExpiry],
  'monitoring.coreos.com/servicemonitors': [MonitorEndpoints],
};

/**
 * The sections of an object of `group/resource`: its own, and for a custom resource or a
 * built-in kind without its own, its spec and status as a tree.
 */
export function sectionsFor(group: string, resource: string, builtin: boolean): SectionComponent[] {
  const own = KIND_SECTIONS[`${group === '' ? 'core' : group}/${resource}`];
  return [...(own ?? []), ...(own && builtin ? [] : [SpecStatusTree])];
}
