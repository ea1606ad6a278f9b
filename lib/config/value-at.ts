/**
 * Returns the value at `keys` inside `input`, such as the path of a zod
 * issue, or undefined where the path leaves the objects.
 */
export function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
