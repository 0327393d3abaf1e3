// The `:` command line (k9s style): `:pods team-a`, `:deploy`, `:ctx beta`, `:q`.
// Pure functions: parsing the text, and turning a parsed command into a console URL.

import { helmListRoute } from '../helm/routes';
import type { KindEntry } from './kinds';
import { listRoute } from './resources';

/** Words that leave the command line. */
const QUIT = new Set(['q', 'q!', 'quit', 'exit']);
/** Words that switch cluster. */
const CONTEXT = new Set(['ctx', 'context', 'cluster']);
/** Namespace arguments that mean "every namespace". */
const ALL_NAMESPACES = new Set(['-A', '*', '--all-namespaces']);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` is a valid namespace name (an RFC 1123 DNS label). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** The names a kind answers to: plural, kind (= singular), short names, `plural.group` and `kind.group`. */
export function kindNames(entry: KindEntry): string[] {
  const names = [entry.resource, entry.kind.toLowerCase(), ...entry.shortNames];
  if (entry.group !== 'core') names.push(`${entry.resource}.${entry.group}`, `${entry.kind.toLowerCase()}.${entry.group}`);
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/** The first kind of the catalog that answers to `word`: the server lists built-ins first, so a CRD cannot shadow `pods`. */
export function findKind(word: string, catalog: KindEntry[]): KindEntry | undefined {
  const w = word.toLowerCase();
  return catalog.find((entry) => kindNames(entry).includes(w));
}

/** Which namespace a list command asks for. */
export type NamespaceArg = { kind: 'keep' } | { kind: 'all' } | { kind: 'set'; name: string };

export type Command =
  | { type: 'quit' }
  | { type: 'list'; entry: KindEntry; namespace: NamespaceArg }
  | { type: 'helm'; namespace: NamespaceArg }
  | { type: 'context'; cluster: string }
  | { type: 'error'; message: string };

/**
 * Parses one command line (with or without its leading `:`). `catalog` is every kind the
 * cluster has (the server's kinds list: built-ins, then discovered); `clusters` the clusters in
 * the registry.
 */
export function parseCommand(text: string, catalog: KindEntry[], clusters: string[]): Command {
  const words = text.trim().replace(/^:\s*/, '').split(/\s+/).filter(Boolean);
  const [head, ...args] = words;
  if (!head) return { type: 'error', message: 'Type a kind (e.g. pods), :ctx <cluster> or :q.' };
  const word = head.toLowerCase();
  if (QUIT.has(word)) return args.length ? tooMany(head) : { type: 'quit' };
  if (CONTEXT.has(word)) {
    const [cluster, ...rest] = args;
    const known = clusters.length ? ` Clusters: ${clusters.join(', ')}.` : '';
    if (!cluster) return { type: 'error', message: `Which cluster? :${word} <name>.${known}` };
    if (rest.length) return tooMany(head);
    if (!clusters.includes(cluster)) return { type: 'error', message: `No cluster named “${cluster}”.${known}` };
    return { type: 'context', cluster };
  }
  const entry = findKind(word, catalog);
  // `:helm [namespace]`: the Helm releases (a kind of that name, if a cluster has one, wins).
  if (!entry && word === 'helm') {
    const namespace = namespaceArg(head, args, true, 'Helm releases');
    return 'error' in namespace ? { type: 'error', message: namespace.error } : { type: 'helm', namespace };
  }
  if (!entry) return { type: 'error', message: `Unknown command or kind “${head}”. Try :pods, :deploy, :svc, :helm, :ctx <cluster> or :q (? lists the shortcuts).` };
  const namespace = namespaceArg(head, args, entry.namespaced, entry.label);
  return 'error' in namespace ? { type: 'error', message: namespace.error } : { type: 'list', entry, namespace };
}

/** The namespace word after a list command (`-A`/`*`: all; none: keep the current one). */
function namespaceArg(head: string, args: string[], namespaced: boolean, label: string): NamespaceArg | { error: string } {
  if (args.length > 1) return { error: `Too many words after “${head}”.` };
  const [ns] = args;
  if (ns === undefined) return { kind: 'keep' };
  if (ALL_NAMESPACES.has(ns)) return { kind: 'all' };
  if (!namespaced) return { error: `${label} are not namespaced: drop “${ns}”.` };
  if (!isDnsLabel(ns)) return { error: `“${ns}” is not a namespace name (lowercase letters, digits and “-”, at most 63).` };
  return { kind: 'set', name: ns };
}

function tooMany(head: string): Command {
  return { type: 'error', message: `Too many words after “${head}”.` };
}

/** Where the user is: the cluster, the kind on screen (if any) and its namespace. */
export interface CommandContext {
  cluster: string | undefined;
  kind?: KindEntry;
  namespace?: string;
}

/** The list page a `list` command opens (the current namespace is kept unless told otherwise). */
export function listUrl(cluster: string, entry: KindEntry, namespace: string | undefined): string {
  const ns = entry.namespaced && namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
  return `${listRoute(cluster, entry)}${ns}`;
}

export function commandListUrl(command: Extract<Command, { type: 'list' | 'helm' }>, here: CommandContext): string | { error: string } {
  if (!here.cluster) return { error: 'Pick a cluster first (:ctx <name>).' };
  const ns = command.namespace;
  const namespace = ns.kind === 'set' ? ns.name : ns.kind === 'keep' ? here.namespace : undefined;
  return command.type === 'helm' ? helmListRoute(here.cluster, namespace) : listUrl(here.cluster, command.entry, namespace);
}

/**
 * `:ctx <cluster>`: the same kind (and namespace) in the other cluster when it has that kind
 * (`targetCatalog`: its kinds; undefined when unknown, and then only built-ins are assumed),
 * else its overview.
 */
export function contextUrl(cluster: string, here: CommandContext, targetCatalog: KindEntry[] | undefined): string {
  const kind = here.kind;
  const has = kind && (targetCatalog ? targetCatalog.some((e) => e.group === kind.group && e.resource === kind.resource) : kind.builtin);
  if (kind && has) return listUrl(cluster, kind, here.namespace);
  return `/clusters/${encodeURIComponent(cluster)}`;
}

/** Kind names starting with `prefix` (for Tab completion and the hint line), shortest first. */
export function suggestKinds(prefix: string, catalog: KindEntry[], limit = 8): string[] {
  const p = prefix.toLowerCase();
  if (!p) return [];
  const names = new Set<string>();
  for (const entry of catalog) {
    for (const name of [entry.resource, ...entry.shortNames]) if (name.startsWith(p)) names.add(name);
  }
  for (const word of [...CONTEXT, 'helm', 'q']) if (word.startsWith(p)) names.add(word);
  return [...names].sort((a, b) => a.length - b.length || a.localeCompare(b)).slice(0, limit);
}
