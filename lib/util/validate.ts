/**
 * The one way nnlab checks an argument. Every check throws an Error whose message starts with
 * the argument's name as the caller gives it ("settings: batchSize", "--hidden",
 * "Matrix: rows"), so the person who passed a wrong value reads which one and why.
 *
 * Two forms, because values arrive two ways:
 *   - values already in a program (options objects, settings, sizes): `mustBe…(name, value)`
 *     throws "NAME must be …, got VALUE";
 *   - text from a command line or the environment: `parse…(name, text)` turns it into a value
 *     or throws "NAME: expected …, got 'TEXT'".
 * Both share the limit check: "NAME: VALUE is more than the limit of MAX".
 */

/** How a wrong value is quoted in a message: numbers as written, strings in quotes. */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}

function fail(name: string, requirement: string, value: unknown): never {
  throw new Error(`${name} must be ${requirement}, got ${shown(value)}`);
}

export function mustBePositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(name, 'a positive integer', value);
}

export function mustBeNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(name, 'a non-negative integer', value);
}

/** Greater than 0 (NaN fails). */
export function mustBePositive(name: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && value > 0)) fail(name, 'positive', value);
}

/** 0 or more (NaN fails). */
export function mustBeNonNegative(name: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && value >= 0)) fail(name, '≥ 0', value);
}

/** One of `allowed`: "NAME must be 'a' or 'b', got …" (or "one of 'a', 'b', 'c'"). */
export function mustBeOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if ((allowed as readonly unknown[]).includes(value)) return;
  const quoted = allowed.map((a) => `'${a}'`);
  fail(name, quoted.length === 2 ? `${quoted[0]} or ${quoted[1]}` : `one of ${quoted.join(', ')}`, value);
}

/** A non-empty array. */
export function mustBeNonEmptyList(name: string, value: unknown, what: string): asserts value is unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${name} must list at least one ${what}`);
}

/** "NAME: VALUE is more than the limit of MAX" when value > max. */
function checkLimit(name: string, value: number, max: number): void {
  if (value > max) throw new Error(`${name}: ${value} is more than the limit of ${max}`);
}

/** Command-line text as a whole number from `min` up to `max`. */
export function parseInteger(name: string, text: string, min = -Infinity, max = Infinity): number {
  const v = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) {
    throw new Error(`${name}: expected an integer${min > -Infinity ? ` >= ${min}` : ''}, got '${text}'`);
  }
  checkLimit(name, v, max);
  return v;
}

/**
 * Seeds: whole numbers from 0 to 2³² − 1, the generator's seed space. Wider values are refused
 * rather than wrapped: with wrapping, seed 2³² would silently be seed 0, and -1 be 2³² − 1.
 */
const MAX_SEED = 2 ** 32 - 1;

export function mustBeSeed(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) fail(name, `a whole number from 0 to ${MAX_SEED} (2^32 − 1)`, value);
}

/** Command-line text as a seed (see mustBeSeed). */
export function parseSeed(name: string, text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v > MAX_SEED) {
    throw new Error(`${name}: expected a whole number from 0 to ${MAX_SEED} (2^32 − 1), got '${text}'`);
  }
  return v;
}

/** Command-line text as a number greater than 0 (a learning rate): one rule, one message for -1 and 0. */
export function parsePositiveNumber(name: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new Error(`${name}: expected a number > 0, got '${text}'`);
  return v;
}

/** Command-line text as a finite number from `min` up to `max`. */
export function parseNumber(name: string, text: string, min = -Infinity, max = Infinity): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min) {
    throw new Error(`${name}: expected a number${min > -Infinity ? ` >= ${min}` : ''}, got '${text}'`);
  }
  checkLimit(name, v, max);
  return v;
}

/** Command-line text as one of `allowed`. */
export function parseChoice<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  const v = text.trim();
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name}: expected one of ${allowed.join(', ')}, got '${text}'`);
  return v as T;
}
