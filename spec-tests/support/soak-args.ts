// The command line of the soak runners (npm run soak:*): whole numbers, each with a default.

/** The runner's arguments as whole numbers (`defaults` where not given); exits 2 with `usage` when one is not a whole number. */
export function soakArgs(usage: string, defaults: readonly number[]): number[] {
  const given = process.argv.slice(2);
  const values = defaults.map((fallback, i) => Number(given[i] ?? fallback));
  if (!values.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    console.error(`usage: ${usage} (whole numbers)`);
    process.exit(2);
  }
  return values;
}
