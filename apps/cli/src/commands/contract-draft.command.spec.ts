import { describeJsonError, lineAndColumn } from './contract-draft.command';

function errorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return describeJsonError(text, err as SyntaxError);
  }
  throw new Error('parsed');
}

describe('describeJsonError', () => {
  it('names the line and column of a trailing comma', () => {
    expect(errorOf('{\n  "a": 1,\n  }')).toBe('Expected double-quoted property name at line 3, column 3');
  });

  it('finds the offending token when the engine does not say where, without quoting the file', () => {
    const message = errorOf('{\n  "purpose": "secret plan",\n  "limits": x\n}');
    expect(message).toBe("Unexpected token 'x' at line 3, column 13");
    expect(message).not.toContain('secret');
  });

  it('names a comma as the offending token', () => {
    expect(errorOf('[1,,2]')).toBe("Unexpected token ',' at line 1, column 4");
  });

  it('points at the end of a file that stops too early', () => {
    expect(errorOf('{\n "a": ')).toBe('the JSON ends too early at line 2, column 7');
  });

  it('counts columns in characters, not UTF-16 units or bytes', () => {
    expect(errorOf('{"목적": "😀", x}')).toBe('Expected double-quoted property name at line 1, column 13');
  });
});

describe('lineAndColumn', () => {
  it('starts at line 1, column 1', () => {
    expect(lineAndColumn('abc', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('a\nbc', 3)).toEqual({ line: 2, column: 2 });
  });
});
