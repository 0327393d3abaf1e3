// Usage (metrics-server) set against what an object asks for or offers: a pod's containers
// against their requests and limits, a node against its allocatable. Pure functions: unit tested.

import type { Usage } from '../api/types.gen';
import { at, type Json, parseQuantity, podContainers, stringMap } from './model';

/** What a usage is compared with, in its unit (millicores, bytes); null: not set. */
export interface Meter {
  used: number;
  request: number | null;
  limit: number | null;
}

/** One line of a pod's usage: a container, or the pod's total. */
export interface UsageLine {
  name: string;
  cpu: Meter;
  memory: Meter;
}

/** A CPU quantity (`250m`, `1`) in millicores; null when absent or not a quantity. */
export function cpuMillis(quantity: string | undefined): number | null {
  if (quantity === undefined) return null;
  const v = parseQuantity(quantity);
  return Number.isFinite(v) ? v * 1000 : null;
}

/** A memory quantity (`128Mi`, `1G`) in bytes; null when absent or not a quantity. */
export function memoryBytes(quantity: string | undefined): number | null {
  if (quantity === undefined) return null;
  const v = parseQuantity(quantity);
  return Number.isFinite(v) ? v : null;
}

/** The sum of `values` when every one is set (a total of partial requests would mislead), else null. */
function total(values: (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/**
 * A pod's usage per container (in the pod spec's order) against each container's requests and
 * limits, and the pod's total against the sum of its containers' (or its pod-level
 * `spec.resources`, when set).
 */
export function podUsageLines(pod: Json, usage: Usage): { containers: UsageLine[]; total: UsageLine } {
  const spec = podContainers(pod);
  const order = new Map(spec.map((c, i) => [c.name, i]));
  const containers = (usage.containers ?? [])
    .map((u): UsageLine => {
      const c = spec.find((s) => s.name === u.name);
      return {
        name: u.name,
        cpu: { used: u.cpu, request: cpuMillis(c?.requests.cpu), limit: cpuMillis(c?.limits.cpu) },
        memory: { used: u.memory, request: memoryBytes(c?.requests.memory), limit: memoryBytes(c?.limits.memory) },
      };
    })
    .sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity) || a.name.localeCompare(b.name));
  const podRequests = stringMap(at(pod, ['spec', 'resources', 'requests']));
  const podLimits = stringMap(at(pod, ['spec', 'resources', 'limits']));
  return {
    containers,
    total: {
      name: 'Pod total',
      cpu: {
        used: usage.cpu,
        request: cpuMillis(podRequests.cpu) ?? total(containers.map((c) => c.cpu.request)),
        limit: cpuMillis(podLimits.cpu) ?? total(containers.map((c) => c.cpu.limit)),
      },
      memory: {
        used: usage.memory,
        request: memoryBytes(podRequests.memory) ?? total(containers.map((c) => c.memory.request)),
        limit: memoryBytes(podLimits.memory) ?? total(containers.map((c) => c.memory.limit)),
      },
    },
  };
}

/** A node's usage against its allocatable CPU (millicores) and memory (bytes); null where not reported. */
export function nodeUsageShares(node: Json, usage: Usage): { cpu: { used: number; allocatable: number | null }; memory: { used: number; allocatable: number | null } } {
  const allocatable = stringMap(at(node, ['status', 'allocatable']));
  return {
    cpu: { used: usage.cpu, allocatable: cpuMillis(allocatable.cpu) },
    memory: { used: usage.memory, allocatable: memoryBytes(allocatable.memory) },
  };
}
