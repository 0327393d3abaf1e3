// What the editor reads from the server (docs/api.md: `GET {obj}/meta`, `POST {obj}/edit`, 409
// conflicts), decoded defensively: these answers are read by hand, not generated types.

/** One segment of a field path: a map key, a keyed list item's keys, or a set item (`$value`). */
export type PathSegment = string | Record<string, unknown>;

/** The classes of field managers (the server's classifier table). */
export type ManagerClass = 'gitops' | 'helm' | 'controller' | 'human' | 'periscope' | 'unknown';

/** A field manager of the object and the fields it owns. */
export interface FieldManager {
  manager: string;
  operation: string;
  subresource: string | null;
  time?: string;
  class: ManagerClass;
  label: string;
  consequence: string;
  fields: PathSegment[][];
}

/** `GET {obj}/meta`. */
export interface ObjectMeta {
  resourceVersion: string;
  generation?: number;
  managers: FieldManager[];
}

/** One conflicting field of a 409 (`details.conflicts`). */
export interface Conflict {
  field: string;
  manager: string;
  message: string;
  class: ManagerClass;
  label: string;
  consequence: string;
}

/** `POST {obj}/edit`'s answer. */
export interface EditResult {
  changed: boolean;
  dryRun: boolean;
  apply?: Record<string, unknown>;
  remove: string[];
  object?: Record<string, unknown>;
  live?: Record<string, unknown>;
}

/** `POST {obj}/edit`'s body. */
export interface EditRequest {
  opened: string;
  edited: string;
  dryRun: boolean;
  force: boolean;
}

const CLASSES: ManagerClass[] = ['gitops', 'helm', 'controller', 'human', 'periscope', 'unknown'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown, fallback = '') => (typeof value === 'string' ? value : fallback);

/** A manager class, `unknown` for anything the server did not say. */
export function toClass(value: unknown): ManagerClass {
  return CLASSES.find((c) => c === value) ?? 'unknown';
}

function toPath(value: unknown): PathSegment[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const path: PathSegment[] = [];
  for (const seg of value) {
    if (typeof seg === 'string' || isRecord(seg)) path.push(seg);
    else return undefined;
  }
  return path;
}

/** `GET {obj}/meta`, read defensively (no `managers`: no glyphs). */
export function toMeta(value: unknown): ObjectMeta {
  const v = isRecord(value) ? value : {};
  const managers = Array.isArray(v.managers) ? v.managers.filter(isRecord) : [];
  return {
    resourceVersion: str(v.resourceVersion),
    generation: typeof v.generation === 'number' ? v.generation : undefined,
    managers: managers.map((m) => ({
      manager: str(m.manager, '?'),
      operation: str(m.operation),
      subresource: typeof m.subresource === 'string' ? m.subresource : null,
      time: typeof m.time === 'string' ? m.time : undefined,
      class: toClass(m.class),
      label: str(m.label, str(m.manager, '?')),
      consequence: str(m.consequence),
      fields: (Array.isArray(m.fields) ? m.fields : []).flatMap((f) => {
        const path = toPath(f);
        return path ? [path] : [];
      }),
    })),
  };
}

/** A 409's `details.conflicts` (empty when the answer has none). */
export function toConflicts(details: unknown): Conflict[] {
  const list = isRecord(details) && Array.isArray(details.conflicts) ? details.conflicts.filter(isRecord) : [];
  return list.map((c) => ({
    field: str(c.field),
    manager: str(c.manager, '?'),
    message: str(c.message),
    class: toClass(c.class),
    label: str(c.label, str(c.manager, '?')),
    consequence: str(c.consequence),
  }));
}

/** `POST {obj}/edit`'s answer. */
export function toEditResult(value: unknown): EditResult {
  const v = isRecord(value) ? value : {};
  return {
    changed: v.changed === true,
    dryRun: v.dryRun === true,
    apply: isRecord(v.apply) ? v.apply : undefined,
    remove: Array.isArray(v.remove) ? v.remove.filter((r): r is string => typeof r === 'string') : [],
    object: isRecord(v.object) ? v.object : undefined,
    live: isRecord(v.live) ? v.live : undefined,
  };
}
