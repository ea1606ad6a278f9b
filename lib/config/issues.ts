import { distance as editDistance } from 'fastest-levenshtein';
import { z } from 'zod';

/** Returns the known name closest to `name` in edit distance, if close. */
export function closestName(
  name: string,
  known: readonly string[],
): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Returns the schema inside optional, default and prefault wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/**
 * Returns the keys that the object at `path` inside `schema` accepts: an
 * object's fields, or the values of a record's enum keys. Returns none
 * where the path leaves the objects.
 */
export function knownKeysAt(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): string[] {
  let current = unwrapped(schema);
  for (const key of path) {
    if (!(current instanceof z.ZodObject)) return [];
    const field = (current.shape as Record<string, z.ZodType | undefined>)[
      String(key)
    ];
    if (field === undefined) return [];
    current = unwrapped(field);
  }
  if (current instanceof z.ZodObject) return Object.keys(current.shape);
  if (current instanceof z.ZodRecord && current.keyType instanceof z.ZodEnum) {
    return current.keyType.options.map(String);
  }
  return [];
}
