/**
 * Shared helpers of the CLI commands: option parsing (on lib/util/validate.ts) with errors that name the option, and an
 * epoch progress bar that shows only on a terminal.
 */
import cliProgress from 'cli-progress';
import { DTYPES, type DType } from '../nn/matrix.js';
import { MAX_LAYER_WIDTH } from '../util/limits.js';
import { MAX_DIFFICULTY, GENERATORS, GENERATOR_VERSIONS, type GeneratorVersion } from '../data/synth.js';
import { parseChoice, parseNumber, parseInteger } from '../util/validate.js';

// The parsers live in lib/util/validate.ts, the one place arguments are checked; re-exported for the commands.
export { parseInteger, parseNumber, parseSeed, parsePositiveNumber } from '../util/validate.js';

/** The generator's --difficulty, within its documented range 0..MAX_DIFFICULTY. */
export function parseDifficulty(option: string, text: string): number {
  return parseNumber(option, text, 0, MAX_DIFFICULTY);
}

/** The generator's --generator: one of its versions (lib/data/synth.ts GENERATOR_VERSIONS). */
export function parseGenerator(option: string, text: string): GeneratorVersion {
  const n = parseInteger(option, text, Math.min(...GENERATOR_VERSIONS), Math.max(...GENERATOR_VERSIONS));
  return GENERATOR_VERSIONS.find((v) => v === n)!;
}

/** --generator and --difficulty together: the difficulty defaults to the one the version was calibrated at. */
export function parseGeneratorAndDifficulty(generator: string, difficulty: string | undefined): { generator: GeneratorVersion; difficulty: number } {
  const version = parseGenerator('--generator', generator);
  return { generator: version, difficulty: difficulty === undefined ? GENERATORS[version].defaultDifficulty : parseDifficulty('--difficulty', difficulty) };
}

/** 'float64' or 'float32'. */
export function parseDType(option: string, text: string): DType {
  return parseChoice(option, text, DTYPES);
}

/** Comma-separated choices, e.g. "float64,float32" of DTYPES: at least one, each one of `choices`. */
export function parseChoiceList<T extends string>(option: string, text: string, choices: readonly T[]): T[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new Error(`${option}: expected some of ${choices.join(', ')}, got '${text}'`);
  return parts.map((p) => parseChoice(option, p, choices));
}

/** Comma-separated number types, e.g. "float64,float32". */
export function parseDTypeList(option: string, text: string): DType[] {
  return parseChoiceList(option, text, DTYPES);
}

/** "100,100" → [100, 100]; each entry a positive integer up to `max`, none left empty ("10,,10"). */
export function parseIntList(option: string, text: string, max = Infinity): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new Error(`${option}: expected comma-separated positive integers, got '${text}'`);
  return parts.map((p) => parseInteger(option, p, 1, max));
}

/** Hidden layer sizes, each within the library's layer width limit. */
export function parseHiddenDims(option: string, text: string): number[] {
  return parseIntList(option, text, MAX_LAYER_WIDTH);
}

/**
 * The progress bars' settings. The cursor is left visible: a hidden one stays hidden when
 * Ctrl-C (SIGINT) or SIGTERM ends nnlab, and no handler can show it again then, because
 * training runs synchronously and a JavaScript signal handler (restore-cursor, signal-exit)
 * would only run after it, delaying Ctrl-C until training ends.
 */
export const PROGRESS_BAR_OPTIONS = { stream: process.stderr, hideCursor: false } as const;

export interface EpochProgress {
  update(epoch: number, metric: number): void;
  stop(): void;
}

/** A progress bar over epochs on an interactive terminal; silent otherwise (pipes, --json, CI). */
export function epochProgress(enabled: boolean, epochs: number, metricName: string): EpochProgress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `training [{bar}] epoch {value}/{total} | ${metricName} {metric} | {duration_formatted}`,
    ...PROGRESS_BAR_OPTIONS,
  }, cliProgress.Presets.shades_classic);
  bar.start(epochs, 0, { metric: '-' });
  return {
    update(epoch, metric) { bar.update(epoch, { metric: metric.toPrecision(4) }); },
    stop() { bar.stop(); },
  };
}
