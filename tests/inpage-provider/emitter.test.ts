/** The provider's Node-compatible event surface (inpage-provider/emitter.ts). */
import { describe, expect, it, vi } from 'vitest';
import { ProviderEventEmitter } from '../../inpage-provider/emitter';

describe('ProviderEventEmitter (Node EventEmitter semantics)', () => {
  it('calls listeners in registration order, duplicates included, and prepend first', () => {
    const emitter = new ProviderEventEmitter();
    const calls: string[] = [];
    const a = () => calls.push('a');
    emitter
      .on('x', a)
      .addListener('x', () => calls.push('b'))
      .on('x', a);
    emitter.prependListener('x', () => calls.push('first'));
    expect(emitter.emit('x')).toBe(true);
    expect(calls).toEqual(['first', 'a', 'b', 'a']);
    expect(emitter.listenerCount('x')).toBe(4);
    expect(emitter.emit('nobody')).toBe(false);
  });

  it('passes arguments and `this` like Node', () => {
    const emitter = new ProviderEventEmitter();
    let self: unknown;
    emitter.on('x', function (this: unknown, ...args: never[]) {
      self = this;
      expect(args).toEqual([1, 'two']);
    });
    emitter.emit('x', 1, 'two');
    expect(self).toBe(emitter);
  });

  it('once runs one time; off/removeListener remove the latest registration only', () => {
    const emitter = new ProviderEventEmitter();
    const calls: string[] = [];
    const a = () => calls.push('a');
    emitter.once('x', () => calls.push('once'));
    emitter.prependOnceListener('x', () => calls.push('prepended once'));
    emitter.on('x', a).on('x', a);
    emitter.emit('x');
    emitter.emit('x');
    expect(calls).toEqual(['prepended once', 'once', 'a', 'a', 'a', 'a']);
    emitter.off('x', a);
    expect(emitter.listenerCount('x')).toBe(1);
    emitter.removeListener('x', a);
    expect(emitter.listenerCount('x')).toBe(0);
    expect(emitter.eventNames()).toEqual([]);
    emitter.removeListener('never', a);
  });

  it('a once listener that is also a regular listener keeps the regular one', () => {
    const emitter = new ProviderEventEmitter();
    const calls: number[] = [];
    const f = () => calls.push(calls.length);
    emitter.on('x', f).once('x', f);
    emitter.emit('x');
    emitter.emit('x');
    expect(calls).toEqual([0, 1, 2]);
    expect(emitter.listeners('x')).toEqual([f]);
  });

  it('removeAllListeners, for one event or all; listeners and eventNames', () => {
    const emitter = new ProviderEventEmitter();
    const f = () => undefined;
    emitter.on('a', f).on('b', f).on(Symbol.for('c'), f);
    expect(emitter.eventNames()).toEqual(['a', 'b', Symbol.for('c')]);
    expect(emitter.listeners('a')).toEqual([f]);
    expect(emitter.rawListeners('a')).toEqual([f]);
    emitter.removeAllListeners('a');
    expect(emitter.listenerCount('a')).toBe(0);
    expect(emitter.listenerCount('b')).toBe(1);
    emitter.removeAllListeners();
    expect(emitter.eventNames()).toEqual([]);
  });

  it('a listener added during emit is not called by that emit', () => {
    const emitter = new ProviderEventEmitter();
    const calls: string[] = [];
    emitter.on('x', () => {
      calls.push('outer');
      emitter.on('x', () => calls.push('inner'));
    });
    emitter.emit('x');
    expect(calls).toEqual(['outer']);
  });

  it('a throwing listener does not stop the others; its error is re-thrown on a later task', () => {
    vi.useFakeTimers();
    try {
      const emitter = new ProviderEventEmitter();
      const calls: string[] = [];
      emitter.on('x', () => {
        throw new Error('dApp bug');
      });
      emitter.on('x', () => calls.push('second'));
      expect(() => emitter.emit('x')).not.toThrow();
      expect(calls).toEqual(['second']);
      expect(() => vi.runAllTimers()).toThrow('dApp bug');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a listener that is not a function (TypeError) and a bad max (RangeError)', () => {
    const emitter = new ProviderEventEmitter();
    for (const bad of [undefined, null, 'f', {}, 1])
      expect(() => emitter.on('x', bad as never)).toThrow(TypeError);
    expect(() => emitter.setMaxListeners(-1)).toThrow(RangeError);
    expect(emitter.setMaxListeners(5).getMaxListeners()).toBe(5);
  });
});
