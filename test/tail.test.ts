import { describe, expect, it } from 'vitest';
import { BoundedTail, boundTail, TAIL_BYTES, TAIL_LINES } from '../src/tail.js';

describe('BoundedTail', () => {
  it('keeps the last lines, at most TAIL_LINES of them by default', () => {
    const tail = new BoundedTail();
    for (let i = 1; i <= TAIL_LINES + 5; i++) tail.push(`line ${i}`);
    const lines = tail.lines();
    expect(lines).toHaveLength(TAIL_LINES);
    expect(lines[0]).toBe('line 6');
    expect(lines.at(-1)).toBe(`line ${TAIL_LINES + 5}`);
  });

  it('drops whole old lines to stay within its characters, a newline counted for each', () => {
    const tail = new BoundedTail(10, 12);
    tail.push('aaaa');
    tail.push('bbbb');
    expect(tail.lines()).toEqual(['aaaa', 'bbbb']);
    tail.push('cccc');
    expect(tail.lines()).toEqual(['bbbb', 'cccc']);
  });

  it('keeps the newest line even when it alone is over the bound', () => {
    const tail = new BoundedTail(10, 4);
    tail.push('short');
    tail.push('x'.repeat(50));
    expect(tail.lines()).toEqual(['x'.repeat(50)]);
  });

  it('bounds only the lines when its characters are unbounded', () => {
    const tail = new BoundedTail(2, Number.POSITIVE_INFINITY);
    tail.push('a'.repeat(TAIL_BYTES));
    tail.push('b'.repeat(TAIL_BYTES));
    tail.push('c');
    expect(tail.lines()).toEqual(['b'.repeat(TAIL_BYTES), 'c']);
  });

  it('answers a copy, so the caller cannot change what it keeps', () => {
    const tail = new BoundedTail();
    tail.push('one');
    tail.lines().push('two');
    expect(tail.lines()).toEqual(['one']);
  });
});

describe('boundTail', () => {
  it('leaves text within the bound as it is', () => {
    expect(boundTail('short')).toBe('short');
    expect(boundTail('x'.repeat(TAIL_BYTES))).toBe('x'.repeat(TAIL_BYTES));
  });

  it('keeps the end, at most TAIL_BYTES of UTF-8 by default', () => {
    const text = `${'a'.repeat(5000)}THE END`;
    const tail = boundTail(text);
    expect(Buffer.byteLength(tail)).toBe(TAIL_BYTES);
    expect(text.endsWith(tail)).toBe(true);
  });

  it('never starts inside a character', () => {
    expect(boundTail('€€€', 7)).toBe('€€');
    expect(boundTail('€€€', 5)).toBe('€');
    const tail = boundTail(`${'é'.repeat(3000)}!`, 100);
    expect(tail).toBe(`${'é'.repeat(49)}!`);
  });
});
