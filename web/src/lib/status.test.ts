import { describe, expect, it } from 'vitest';

import { RESTARTS_BAD, RESTARTS_WARN, restartsTone, statusLabel, statusTone } from './status';

describe('statusTone', () => {
  it.each([
    // Pods: the list's status cell (phase, or the waiting/terminated reason kubectl shows).
    ['Running', 'ok'],
    ['Pending', 'progress'],
    ['ContainerCreating', 'progress'],
    ['PodInitializing', 'progress'],
    ['Init:0/2', 'progress'],
    ['Terminating', 'progress'],
    ['CrashLoopBackOff', 'bad'],
    ['ImagePullBackOff', 'bad'],
    ['ErrImagePull', 'bad'],
    ['ErrImageNeverPull', 'bad'],
    ['CreateContainerConfigError', 'bad'],
    ['Error', 'bad'],
    ['Failed', 'bad'],
    ['OOMKilled', 'bad'],
    ['Evicted', 'bad'],
    ['Unknown', 'bad'],
    ['OutOfmemory', 'bad'],
    ['Init:CrashLoopBackOff', 'bad'],
    ['Init:Error', 'bad'],
    ['Signal:9', 'bad'],
    ['ExitCode:137', 'bad'],
    ['Completed', 'done'],
    ['Succeeded', 'done'],
    // Jobs.
    ['Complete', 'done'],
    ['Suspended', 'warn'],
    // Nodes, cordoned or not.
    ['Ready', 'ok'],
    ['NotReady', 'bad'],
    ['Ready,SchedulingDisabled', 'warn'],
    ['NotReady,SchedulingDisabled', 'bad'],
    // Claims and volumes.
    ['Bound', 'ok'],
    ['Lost', 'bad'],
    ['Available', 'ok'],
    ['Released', 'warn'],
    // Namespaces.
    ['Active', 'ok'],
  ])('%s is %s', (text, tone) => {
    expect(statusTone(text)).toBe(tone);
  });

  it('ignores case and surrounding space (custom resources write their own)', () => {
    expect(statusTone('running')).toBe('ok');
    expect(statusTone(' CRASHLOOPBACKOFF ')).toBe('bad');
  });

  it('leaves texts it does not know neutral', () => {
    for (const text of ['', ' ', 'True', 'False', 'Synced', 'blue', '3']) expect(statusTone(text)).toBe('neutral');
  });
});

describe('statusLabel', () => {
  it('adds the tone in words, none when neutral', () => {
    expect(statusLabel('CrashLoopBackOff')).toBe('Status: CrashLoopBackOff (failing)');
    expect(statusLabel('Pending')).toBe('Status: Pending (in progress)');
    expect(statusLabel('Running')).toBe('Status: Running (healthy)');
    expect(statusLabel('Suspended')).toBe('Status: Suspended (needs attention)');
    expect(statusLabel('Completed')).toBe('Status: Completed (finished)');
    expect(statusLabel('Synced')).toBe('Status: Synced');
    expect(statusLabel('PendingTooLong', 'bad')).toBe('Status: PendingTooLong (failing)');
  });
});

describe('restartsTone', () => {
  it('marks counts from 5 and from 20', () => {
    expect([0, 4, RESTARTS_WARN, 19, RESTARTS_BAD, 300].map(restartsTone)).toEqual([null, null, 'warn', 'warn', 'bad', 'bad']);
  });

  it('reads numbers written as text, and nothing else', () => {
    expect(['7', '21', '', 'many', null, undefined, NaN].map(restartsTone)).toEqual(['warn', 'bad', null, null, null, null, null]);
  });
});
