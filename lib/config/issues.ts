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

/**
 * Returns the message of a settings issue in plain words: a number out of
 * range reads `must be at most 20` rather than zod's
 * `Too big: expected number to be <=20`. A message the schema sets itself
 * is kept, as is any other.
 */
export function settingMessage(issue: z.core.$ZodIssue): string {
  const zodDefault = /^(Too big|Too small|Invalid input|Invalid option): /.test(
    issue.message,
  );
  if (!zodDefault) return issue.message;
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') {
    return 'must be a whole number';
  }
  if (issue.code === 'invalid_type') {
    const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
    return `must be ${expected}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return issue.minimum === 1
      ? 'must not be empty'
      : `must be at least ${String(issue.minimum)} characters`;
  }
  if (issue.code === 'too_small' && issue.origin === 'array') {
    return issue.minimum === 1
      ? 'must not be empty'
      : `must list at least ${String(issue.minimum)} entries`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return issue.message;
}

/** Words for each JSON type that zod expects, as settings messages use them. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};
