const DOLLAR_QUOTE = /\$([a-z_][a-z0-9_]*)?\$/iy;

/**
 * Splits a SQL script into statements at top-level semicolons. Semicolons
 * inside string literals, quoted identifiers, dollar-quoted bodies and
 * comments do not split. Statements that hold only comments are dropped.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let hasCode = false;
  let index = 0;

  const push = (): void => {
    if (hasCode) statements.push(current.trim());
    current = '';
    hasCode = false;
  };

  while (index < script.length) {
    const char = script[index]!;

    let token: string | undefined;
    if (script.startsWith('--', index)) {
      const end = script.indexOf('\n', index);
      token = script.slice(index, end === -1 ? script.length : end + 1);
      current += token;
      index += token.length;
      continue;
    }
    if (script.startsWith('/*', index)) {
      const end = script.indexOf('*/', index + 2);
      token = script.slice(index, end === -1 ? script.length : end + 2);
      current += token;
      index += token.length;
      continue;
    }
    if (char === "'" || char === '"') {
      let end = index + 1;
      for (;;) {
        end = script.indexOf(char, end);
        if (end === -1) {
          end = script.length;
          break;
        }
        if (script[end + 1] === char) {
          end += 2;
          continue;
        }
        end += 1;
        break;
      }
      token = script.slice(index, end);
    } else {
      DOLLAR_QUOTE.lastIndex = index;
      const dollar = char === '$' ? DOLLAR_QUOTE.exec(script) : null;
      if (dollar) {
        const end = script.indexOf(dollar[0], index + dollar[0].length);
        token = script.slice(
          index,
          end === -1 ? script.length : end + dollar[0].length,
        );
      }
    }
    if (token !== undefined) {
      current += token;
      hasCode = true;
      index += token.length;
      continue;
    }

    if (char === ';') {
      push();
    } else {
      current += char;
      if (!/\s/.test(char)) hasCode = true;
    }
    index += 1;
  }
  push();
  return statements;
}
