// Monaco with only what the editor uses (the editor API; the contributions for editing,
// finding, folding, hovers, completion, markers, diffs and the command palette — not the
// language-server-only ones such as rename or inlay hints; the YAML tokenizer) and
// monaco-yaml. Loaded on demand with the editor: nothing here is in the initial JavaScript.
// Workers are files vite builds into web/dist/assets, served by our binary like any asset.

import 'monaco-editor/features/codeEditor/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/caretOperations/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codelens/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/format/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/inPlaceReplace/register';
import 'monaco-editor/features/insertFinalNewLine/register';
import 'monaco-editor/features/lineSelection/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/links/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/placeholderText/register';
import 'monaco-editor/features/quickCommand/register';
import 'monaco-editor/features/readOnlyMessage/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/tokenization/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/wordPartOperations/register';
import 'monaco-editor/languages/definitions/yaml/register';

import * as monaco from 'monaco-editor/editor';
import { configureMonacoYaml, type JSONSchema, type MonacoYaml } from 'monaco-yaml';

import EditorWorker from './editor.worker?worker';
import YamlWorker from './yaml.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

const getWorker = (label: string | undefined) => (label === 'yaml' ? new YamlWorker() : new EditorWorker());
window.MonacoEnvironment = { getWorker: (_id, label) => getWorker(label) };

/**
 * A worker by label, as monaco-yaml's worker manager asks for one (Monaco's API before 0.55,
 * which 0.57 keeps only inside its own languages): the worker gets the `createData` message
 * its start-up waits for.
 */
function createLabelledWorker(opts: { label?: string; createData?: unknown; keepIdleModels?: boolean }) {
  const worker = getWorker(opts.label);
  worker.postMessage('ignore');
  worker.postMessage(opts.createData);
  return monaco.editor.createWebWorker({ worker, keepIdleModels: opts.keepIdleModels });
}

type Uri = InstanceType<typeof monaco.Uri>;
const validatedListeners = new Map<string, Set<() => void>>();

// The API as monaco-yaml gets it: its worker manager asks `createWebWorker` for a worker by
// label (above). And
// monaco-yaml reports each validation pass by setting the model's markers (an empty list
// included), which lets the editor know when a pass is done ("interactive").
const observed = {
  ...monaco,
  editor: {
    ...monaco.editor,
    createWebWorker: createLabelledWorker,
    setModelMarkers: (...args: Parameters<typeof monaco.editor.setModelMarkers>) => {
      monaco.editor.setModelMarkers(...args);
      validatedListeners.get(args[0].uri.toString())?.forEach((l) => l());
    },
  },
};

/** Resolves after the next validation pass over the model at `uri`. */
export function nextValidation(uri: Uri): Promise<void> {
  const key = uri.toString();
  return new Promise((resolve) => {
    const listeners = validatedListeners.get(key) ?? new Set();
    const once = () => {
      listeners.delete(once);
      resolve();
    };
    listeners.add(once);
    validatedListeners.set(key, listeners);
  });
}

const schemas = new Map<string, JSONSchema>();
const options = () => ({
  enableSchemaRequest: false,
  completion: true,
  hover: true,
  validate: true,
  format: { enable: false },
  schemas: [...schemas.entries()].map(([uri, schema]) => ({ uri: `${uri}.schema.json`, fileMatch: [uri], schema })),
});

// One monaco-yaml instance for the page (the plugin allows one); schemas are per model URI.
const yaml: MonacoYaml = configureMonacoYaml(observed as unknown as typeof monaco, options());

/**
 * Validates (and completes, hovers) the model at `modelUri` against `schema`; undefined drops
 * it. Set it before the model exists: an update restarts the YAML worker.
 */
export function setSchema(modelUri: string, schema: JSONSchema | undefined): Promise<unknown> {
  if (schema) schemas.set(modelUri, schema);
  else if (!schemas.delete(modelUri)) return Promise.resolve();
  return yaml.update(options());
}

export { monaco };
