// Kinds as the server lists them (`GET /api/clusters/{c}/kinds`: the server's one kinds table,
// then what discovery finds), turned into what pages use. Pure helpers: no table lives here.

import type { Action, Category, KindInfo } from '../api/types.gen';
import type { KindRef } from './resources';

export interface KindEntry extends KindRef {
  kind: string;
  /** What the sidebar and titles call it. */
  label: string;
  namespaced: boolean;
  shortNames: string[];
  /** The sidebar section; null: not in the sidebar. */
  category: Category | null;
  /** A row of the server's table (else found by discovery). */
  builtin: boolean;
  /** One-click actions that apply to its objects (the server decides, by group and plural). */
  actions: Action[];
  /** Whether the live stream serves it. */
  live: boolean;
  /** Whether its objects have logs (the server decides). */
  logs: boolean;
}

export interface KindSection {
  title: Category;
  kinds: KindEntry[];
}

/** Links to a few well-known kinds (the pods shortcut, related pods, the namespace picker). */
export const PODS_REF: KindRef = { group: 'core', version: 'v1', resource: 'pods' };
export const NAMESPACES_REF: KindRef = { group: 'core', version: 'v1', resource: 'namespaces' };

/** One kind of the server's answer (`core` for the core group, as in URLs). */
export function toEntry(info: KindInfo): KindEntry {
  return {
    group: info.group === '' ? 'core' : info.group,
    version: info.version,
    resource: info.plural,
    kind: info.kind,
    label: info.label,
    namespaced: info.scope === 'Namespaced',
    shortNames: info.shortNames,
    category: info.category,
    builtin: info.builtin,
    actions: info.actions,
    live: info.live,
    logs: info.logs,
  };
}

export function toEntries(kinds: KindInfo[]): KindEntry[] {
  return kinds.map(toEntry);
}

/**
 * A kind the server did not list (its kinds could not be read): shown by its plural, assumed
 * namespaced, polled, offering no actions and no logs.
 */
export function unknownKind(ref: KindRef): KindEntry {
  return { ...ref, kind: ref.resource, label: ref.resource, namespaced: true, shortNames: [], category: null, builtin: false, actions: [], live: false, logs: false };
}

/** The listed kind at a group/resource (any version: the URL's is kept by the caller). */
export function findEntry(catalog: KindEntry[], ref: KindRef): KindEntry | undefined {
  const group = ref.group === '' ? 'core' : ref.group;
  return catalog.find((e) => e.group === group && e.resource === ref.resource);
}

/** The built-in kind with this plural (`/clusters/{c}/{plural}` URLs). */
export function builtinByPlural(catalog: KindEntry[], resource: string): KindEntry | undefined {
  return catalog.find((e) => e.builtin && e.resource === resource);
}

/** The kind an owner reference names (`apiVersion` and kind name). */
export function ownerEntry(catalog: KindEntry[], apiVersion: string, kind: string): KindEntry | undefined {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : 'core';
  return catalog.find((e) => e.kind === kind && e.group === group);
}

/** The sidebar: kinds with a section, grouped in the server's order. */
export function sidebarSections(catalog: KindEntry[]): KindSection[] {
  const sections: KindSection[] = [];
  for (const entry of catalog) {
    if (entry.category === null) continue;
    let section = sections.find((s) => s.title === entry.category);
    if (!section) {
      section = { title: entry.category, kinds: [] };
      sections.push(section);
    }
    section.kinds.push(entry);
  }
  return sections;
}
