/**
 * The one eviction rule of every in-memory cache in `ckm/` and `server/`: a `Map` kept in
 * insertion order, where a write makes its key the newest and, when the map already holds `max`
 * other keys, first drops the oldest. Memory stays bounded whatever peers send.
 * @module
 */

/**
 * Sets `key` to `value` as the newest entry of `map`, dropping the oldest entry first if the map
 * would otherwise hold more than `max` keys. Returns `value`.
 * @example
 * setBounded(cache, toHex(publicKey), keyObject, 4096);
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.delete(key);
  if (map.size >= max)
    for (const oldest of map.keys()) {
      map.delete(oldest);
      break;
    }
  map.set(key, value);
  return value;
}
