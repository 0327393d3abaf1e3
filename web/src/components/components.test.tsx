import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { ErrorBox } from './ErrorBox';
import { YamlView } from './YamlView';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('ErrorBox', () => {
  it('shows a calm role note for a 403 from RBAC', () => {
    act(() => root.render(<ErrorBox error={new ApiError(403, 'E_FORBIDDEN', 'pods is forbidden: User "alice"')} />));
    expect(container.querySelector('[role="status"]')?.textContent).toContain("Your role can't see this.");
    expect(container.querySelector('[role="alert"]')).toBeNull();
    expect(container.textContent).toContain('pods is forbidden: User "alice"');
  });

  it('shows other failures as errors with the envelope code and message', () => {
    act(() => root.render(<ErrorBox error={new ApiError(502, 'E_CLUSTER_UNREACHABLE', 'connection refused')} />));
    const alert = container.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('E_CLUSTER_UNREACHABLE');
    expect(alert?.textContent).toContain('connection refused');
  });
});

describe('YamlView', () => {
  it('keeps the text exactly and marks keys', () => {
    const text = 'kind: Pod\nmetadata:\n  name: "web"\n# note\n- item\n';
    act(() => root.render(<YamlView text={text} />));
    const pre = container.querySelector('#yaml') as HTMLElement;
    expect([...pre.children].map((line) => line.textContent)).toEqual(['kind: Pod', 'metadata:', '  name: "web"', '# note', '- item']);
    const keys = [...pre.querySelectorAll('.text-blue-700')].map((k) => k.textContent);
    expect(keys).toEqual(['kind', 'metadata', 'name']);
  });

  it('renders markup in values as text', () => {
    act(() => root.render(<YamlView text={'a: <img src=x onerror=alert(1)>'} />));
    expect(container.querySelector('img')).toBeNull();
  });
});
