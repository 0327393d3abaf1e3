import { afterEach, expect, it } from 'vitest';

import { mirrorInlineStyles } from './cspStyles';

const rules = () => document.adoptedStyleSheets.flatMap((s) => [...s.cssRules].map((r) => r.cssText.replace(/\s+/g, ' ')));
const settle = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  document.body.innerHTML = '';
  document.adoptedStyleSheets = [];
});

it('carries <style> text into constructed stylesheets, follows changes and undoes', async () => {
  const root = document.createElement('div');
  document.body.append(root);
  const theme = document.createElement('style');
  theme.textContent = '.a { color: red; }';
  root.append(theme);
  const undo = mirrorInlineStyles(root);
  expect(rules()).toEqual(['.a { color: red; }']);

  theme.textContent = '.a { color: blue; }';
  const sizes = document.createElement('style');
  sizes.textContent = '.b { height: 3px; }';
  root.append(sizes);
  await settle();
  expect(rules()).toEqual(['.a { color: blue; }', '.b { height: 3px; }']);

  sizes.remove();
  await settle();
  expect(rules()).toEqual(['.a { color: blue; }']);

  undo();
  expect(document.adoptedStyleSheets).toEqual([]);
});
