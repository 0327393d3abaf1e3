import { describe, expect, it } from 'vitest';

import { SseParser } from './sse';

describe('SseParser', () => {
  it('reads unnamed and named events, skipping comments', () => {
    const p = new SseParser();
    expect(p.push(': ping\n\ndata: {"t":"1","l":"a"}\n\nevent: meta\ndata: {"pods":[]}\n\n')).toEqual([
      { event: 'message', data: '{"t":"1","l":"a"}' },
      { event: 'meta', data: '{"pods":[]}' },
    ]);
  });

  it('puts events split across chunks back together, CRLF included', () => {
    const p = new SseParser();
    expect(p.push('event: do')).toEqual([]);
    expect(p.push('ne\r')).toEqual([]);
    expect(p.push('\ndata: {}\r\n\r')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'done', data: '{}' }]);
  });

  it('joins multi-line data and reads fields without a space', () => {
    const p = new SseParser();
    expect(p.push('data:a\ndata: b\nid: 7\nretry: 10\n\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('dispatches nothing for an event without data', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\ndata: y\n\n')).toEqual([{ event: 'message', data: 'y' }]);
  });

  it('reads a chunk of many lines at once', () => {
    const p = new SseParser();
    const chunk = Array.from({ length: 5000 }, (_, i) => `data: ${i}\n\n`).join('');
    const events = p.push(chunk);
    expect(events.length).toBe(5000);
    expect(events[4999]).toEqual({ event: 'message', data: '4999' });
  });
});
