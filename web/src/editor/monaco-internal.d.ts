// monaco-editor 0.57 ships this module without types: the labelled-worker `createWebWorker`
// (label, moduleId, createData) that its own language workers use and that monaco-yaml's
// worker manager expects of `monaco.editor.createWebWorker`.
declare module 'monaco-editor/internal/common/workers' {
  export function createWebWorker(opts: { label?: string; moduleId?: string; createData?: unknown; keepIdleModels?: boolean }): unknown;
}
