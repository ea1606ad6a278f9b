/**
 * Salesforce record ids come in a case-sensitive 15-character form and a
 * case-insensitive 18-character form: the 18-character id is the 15-character
 * one plus a 3-character checksum of the letter case of its first 15
 * characters. CRM exports, marketing tools and Crossbeam may each use either
 * form for the same record. So every id column that is joined across sources
 * goes through `salesforceId18Sql`, which extends a 15-character id to the
 * 18-character form and leaves every other value unchanged.
 */

const UPPER_CASE_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The 32 characters that a checksum character is drawn from, in order. */
export const SALESFORCE_CHECKSUM_ALPHABET = `${UPPER_CASE_LETTERS}012345`;

/**
 * Returns the 18-character form of a Salesforce id, computed in TypeScript.
 * The SQL that `salesforceId18Sql` emits computes the same value; tests use
 * this function to check it by hand.
 */
export function salesforceId18(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let position = 0; position < 5; position += 1) {
      const character = id.charAt(chunk * 5 + position);
      if (UPPER_CASE_LETTERS.includes(character)) bits += 1 << position;
    }
    suffix += SALESFORCE_CHECKSUM_ALPHABET.charAt(bits);
  }
  return id + suffix;
}

/**
 * Returns a SQL expression, valid in PostgreSQL and Redshift, that turns the
 * 15-character Salesforce id in `column` into its 18-character form and
 * passes any other value (18-character ids, other lengths, null) through.
 * Each character's case is tested with `position(… in 'ABC…Z')`, which is
 * case-sensitive in both dialects and does not depend on collation, unlike
 * a `between 'A' and 'Z'` comparison.
 *
 * `column` must be a trusted SQL expression: it is pasted in as it is.
 */
export function salesforceId18Sql(column: string): string {
  const checksumCharacters: string[] = [];
  for (let chunk = 0; chunk < 3; chunk += 1) {
    const bitTerms: string[] = [];
    for (let position = 0; position < 5; position += 1) {
      const characterIndex = chunk * 5 + position + 1;
      bitTerms.push(
        `case when position(substring(${column}, ${characterIndex}, 1) ` +
          `in '${UPPER_CASE_LETTERS}') > 0 then ${1 << position} else 0 end`,
      );
    }
    checksumCharacters.push(
      `substring('${SALESFORCE_CHECKSUM_ALPHABET}', 1 + ${bitTerms.join(' + ')}, 1)`,
    );
  }
  return (
    `(case when length(${column}) = 15 then ${column} || ` +
    `${checksumCharacters.join(' || ')} else ${column} end)`
  );
}
