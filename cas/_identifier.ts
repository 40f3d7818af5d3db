/** Names print as identifiers and are read back by the parser, so only identifier characters are allowed. */
export function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`variable name ${JSON.stringify(name)} must be an identifier (letters, digits, _)`);
  }
  return name;
}
