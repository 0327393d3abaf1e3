import { describe, expect, it } from 'vitest';

import { labelsToText, parseLabels } from './labels';

describe('parseLabels', () => {
  it('reads key=value lines, prefixes and empty values included', () => {
    expect(parseLabels('app=web\n\n  tier = front \napp.kubernetes.io/name=x\nempty=')).toEqual({
      labels: { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'x', empty: '' },
    });
    expect(parseLabels('')).toEqual({ labels: {} });
  });
  it('refuses what the apiserver would refuse', () => {
    expect(parseLabels('novalue')).toHaveProperty('error');
    expect(parseLabels('-bad=x')).toHaveProperty('error');
    expect(parseLabels('a=has space')).toHaveProperty('error');
    expect(parseLabels(`a=${'x'.repeat(64)}`)).toHaveProperty('error');
    expect(parseLabels('Bad_Prefix/a=x')).toHaveProperty('error');
    expect(parseLabels('a=1\na=2')).toEqual({ error: '"a" is given twice' });
  });
  it('round-trips through text', () => {
    const labels = { app: 'web', 'example.com/team': 'a' };
    expect(parseLabels(labelsToText(labels))).toEqual({ labels });
  });
});
