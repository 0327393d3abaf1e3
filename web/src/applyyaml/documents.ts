// The documents of a pasted or dropped YAML text, each with its own line numbers, and what each
// names (apiVersion, kind, name, namespace). Pure: no server, no React.

import { LineCounter, parseAllDocuments } from 'yaml';

/** One problem in a document, at a line of the whole text (1-based). */
export interface Problem {
  line: number;
  message: string;
}

/** One document of the text. */
export interface SourceDoc {
  /** 1-based position among the text's non-empty documents. */
  index: number;
  /** The first line of the document in the whole text (1-based). */
  line: number;
  /** The document as parsed (undefined when it has errors). */
  value?: unknown;
  problems: Problem[];
}

/** What a document says it is. */
export interface Identity {
  apiVersion: string;
  kind: string;
  name: string;
  /** Empty when the document names none. */
  namespace: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first line of a message (the `yaml` package appends a source excerpt after it). */
function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

/**
 * Splits `text` into its YAML documents (`---` separated). Empty documents (a leading or
 * trailing `---`, comments only) are skipped. Syntax errors are reported per document with
 * the line of the whole text they are on.
 */
export function splitDocuments(text: string): SourceDoc[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const out: SourceDoc[] = [];
  for (const doc of docs) {
    const problems: Problem[] = doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: firstLine(e.message) }));
    // `---` alone, comments only, or `null`: nothing to apply (kubectl skips these too).
    if (problems.length === 0 && doc.toJS() == null) continue;
    // A document's first line: where its content starts (past `---` and leading comments).
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const index = out.length + 1;
    const line = counter.linePos(start).line;
    if (problems.length > 0) {
      out.push({ index, line, problems });
      continue;
    }
    out.push({ index, line, value: doc.toJS({ maxAliasCount: 100 }) as unknown, problems });
  }
  return out;
}

/** What the document names, or the problem that stops it from naming an object. */
export function identify(doc: SourceDoc): Identity | Problem {
  const at = (message: string): Problem => ({ line: doc.line, message });
  const value = doc.value;
  if (!isRecord(value)) return at('the document must be a mapping (an object with apiVersion, kind and metadata)');
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const apiVersion = text(value.apiVersion);
  const kind = text(value.kind);
  if (!apiVersion) return at('apiVersion is missing');
  if (!kind) return at('kind is missing');
  if (kind.endsWith('List') && Array.isArray(value.items)) return at(`a ${kind} is not applied as one object: list its items as documents`);
  const metadata = value.metadata;
  if (!isRecord(metadata)) return at('metadata is missing or not a mapping');
  const name = text(metadata.name);
  if (!name) return at(typeof metadata.generateName === 'string' ? 'generateName is not supported: give metadata.name' : 'metadata.name is missing');
  return { apiVersion, kind, name, namespace: text(metadata.namespace) };
}

export function isProblem<T extends object>(value: T | Problem): value is Problem {
  return 'message' in value;
}
