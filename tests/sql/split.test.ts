import { splitStatements } from '../../lib/sql/split';

describe('splitStatements', () => {
  it('splits at top-level semicolons', () => {
    expect(splitStatements('select 1;\nselect 2;\n')).toEqual([
      'select 1',
      'select 2',
    ]);
  });

  it('keeps semicolons inside literals, identifiers and comments', () => {
    const script = [
      'select \'a;b\', "odd;name" from t; -- trailing; comment',
      '/* block; comment */ select $$x;y$$, $tag$z;$tag$;',
      "select 'it''s; fine'",
    ].join('\n');
    expect(splitStatements(script)).toEqual([
      'select \'a;b\', "odd;name" from t',
      '-- trailing; comment\n/* block; comment */ select $$x;y$$, $tag$z;$tag$',
      "select 'it''s; fine'",
    ]);
  });

  it('drops statements that hold only comments', () => {
    expect(splitStatements('-- header\n;\n/* nothing */;\nselect 1')).toEqual([
      'select 1',
    ]);
  });
});
