/** Words mathjs reads as operators or constants: a variable with such a name would not parse back. */
const RESERVED = new Set([
  "mod",
  "to",
  "in",
  "and",
  "or",
  "xor",
  "not",
  "true",
  "false",
  "null",
  "undefined",
  "Infinity",
  "NaN",
]);

/** Names print as identifiers and are read back by the parser, so only identifier characters are allowed. */
export function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`variable name ${JSON.stringify(name)} must be an identifier (letters, digits, _)`);
  }
  if (RESERVED.has(name)) {
    throw new TypeError(`variable name ${JSON.stringify(name)} is reserved in math syntax; choose another`);
  }
  return name;
}
