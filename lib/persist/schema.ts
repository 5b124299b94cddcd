/**
 * What nnlab reads back from disk, as schemas (valibot): the model file, the classifier file,
 * the solver checkpoint and the report's summary. A file is checked against its schema before
 * anything is built from it, and the first problem is an error naming the file and the field
 * ("model file m.json: classNames.3: expected a string, got 3").
 *
 * The schemas check what a file holds on its own: types, finite numbers, ranges, names. What
 * depends on something else (a matrix's shape against the config, the data of a resumed run)
 * is checked where that something is known: lib/persist/model_file.ts and checkpoint.ts.
 * The run cache's records have theirs in lib/experiments/record_schema.ts.
 */
import * as v from 'valibot';

// ---- building blocks

export const finiteNumber = v.pipe(v.number('expected a number'), v.finite('expected a finite number'));
export const nonNegative = v.pipe(v.number('expected a number'), v.finite('expected a finite number'), v.minValue(0, 'expected a number ≥ 0'));
/** An accuracy or a probability: from 0 to 1. */
export const fraction = v.pipe(v.number('expected a number'), v.finite('expected a finite number'), v.minValue(0, 'expected a number from 0 to 1'), v.maxValue(1, 'expected a number from 0 to 1'));
export const count = v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(0, 'expected a whole number ≥ 0'));
export const positiveCount = v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected a whole number ≥ 1'));

/**
 * The names of a network's parameters as fc_net.ts makes them (W1, b1, gamma1, beta1, …). Any
 * other key, `__proto__` and `constructor` included, is refused: JSON.parse makes `__proto__` an
 * own property, and `'__proto__' in {}` is true, so a name check by `in` lets it through.
 */
const PARAMETER_NAME = /^(W|b|gamma|beta)[1-9]\d*$/;

/**
 * An object read from JSON whose keys all match `keyPattern`. The keys are checked on the object
 * as read: valibot's record leaves `__proto__` out of its output, silently, and the code that
 * walks the parsed JSON would still meet it.
 */
function namedRecord<T extends v.GenericSchema>(keyPattern: RegExp, what: string, value: T) {
  const badKey = (input: unknown) => Object.keys(input as object).find((k) => !keyPattern.test(k));
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (input) => typeof input === 'object' && input !== null && !Array.isArray(input) && badKey(input) === undefined,
      (issue) => (typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input) ? `${JSON.stringify(badKey(issue.input))} is not ${what}` : 'expected an object'),
    ),
    v.record(v.string('expected a string'), value),
  );
}

/** A matrix as lib/persist/serialize.ts writes it; its shape and values are checked by matrixFromJSON. */
const matrixJSON = v.looseObject({ rows: count, cols: count, data: v.array(v.unknown()), dtype: v.optional(v.picklist(['float64', 'float32'])) });

/** A short quotation of a wrong value for a message. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * "field.sub.3: message, got VALUE" for the first problem valibot found: the value is quoted when
 * it is a plain value ("missing" when absent); an object or list would be too long to help.
 */
export function firstProblem(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const leaf = issue.issues?.[0] ?? issue; // a union's or variant's problem: its first branch's
  const where = v.getDotPath(issue) ?? '(top level)';
  const input = issue.input;
  if (input === undefined) return `${where}: missing`;
  const message = leaf.message.replace(/^Invalid type: /, '');
  return `${where}: ${message}${typeof input === 'object' && input !== null ? '' : `, got ${quoted(input)}`}`;
}

/** `json` checked against `schema`, or an error "SOURCE: FIELD: what is wrong". */
export function parseRecord<S extends v.GenericSchema>(schema: S, json: unknown, source: string): v.InferOutput<S> {
  const r = v.safeParse(schema, json);
  if (!r.success) throw new Error(`${source}: ${firstProblem(r.issues)}`);
  return r.output;
}

// ---- model file (lib/persist/model_file.ts)

export const netFileSchema = v.object({
  format: v.literal('nnlab.FullyConnectedNet', "not an nnlab model (expected format 'nnlab.FullyConnectedNet')"),
  version: v.number('expected a number'),
  config: v.looseObject({}),
  params: namedRecord(PARAMETER_NAME, 'a parameter name (W1, b1, gamma1, beta1, …)', matrixJSON),
  batchnorm: v.array(v.object({ runningMean: matrixJSON, runningVar: matrixJSON })),
  numerics: v.optional(v.object({ version: v.number('expected a number'), mode: v.picklist(['exact', 'fused'], "expected 'exact' or 'fused'") })),
});

// ---- classifier file (lib/data/classifier.ts): the model above with what predicting needs

export const classifierFileSchema = v.looseObject({
  width: positiveCount,
  height: positiveCount,
  mean: v.array(finiteNumber),
  classNames: v.pipe(v.array(v.pipe(v.string('expected a string'), v.nonEmpty('expected a non-empty name'))), v.nonEmpty('expected at least one class name')),
  classFolders: v.optional(v.array(v.pipe(v.string('expected a string'), v.regex(/^\d+$/, 'expected a class folder number such as "7"')))),
  trainingImageHashes: v.optional(v.array(v.string('expected a string'))),
  training: v.optional(v.looseObject({})),
  model: v.unknown(),
});

// ---- solver checkpoint (lib/persist/checkpoint.ts): its parts that are not matrices

export const checkpointSchema = v.looseObject({
  options: v.looseObject({
    seed: v.optional(v.union([v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(0, 'expected a seed from 0 to 2^32 − 1'), v.maxValue(2 ** 32 - 1, 'expected a seed from 0 to 2^32 − 1')), v.null('expected null')])),
    batchSize: v.optional(positiveCount),
    numEpochs: v.optional(count),
  }),
  epoch: count,
  model: v.unknown(),
  optimConfigs: namedRecord(PARAMETER_NAME, 'a parameter name (W1, b1, gamma1, beta1, …)', v.record(v.string('expected a string'), v.unknown())),
  lossHistory: v.array(v.nullable(v.number('expected a number'))),
  trainMetricHistory: v.array(v.nullable(v.number('expected a number'))),
  valMetricHistory: v.array(v.nullable(v.number('expected a number'))),
  epochSeconds: v.optional(v.array(nonNegative)),
  bestEpoch: v.optional(count),
  bestParams: namedRecord(PARAMETER_NAME, 'a parameter name (W1, b1, gamma1, beta1, …)', v.unknown()),
  bestBatchnorm: v.optional(v.array(v.unknown())),
});

// ---- the report's summary.json (lib/report/summary.ts): entries checked one by one

export const summaryEntrySchema = v.looseObject({
  name: v.pipe(v.string('expected a string'), v.regex(/^[\w.-]+$/, 'expected a notebook name')),
  title: v.optional(v.string('expected a string')),
  html: v.optional(v.pipe(v.string('expected a string'), v.regex(/^([\w.-]+\.html)?$/, 'expected a page in the report folder'))),
  seconds: v.optional(nonNegative),
  builtAt: v.optional(v.string('expected a string')),
  profile: v.optional(v.nullable(v.string('expected a string'))),
  data: v.optional(v.nullable(v.string('expected a string'))),
  dtype: v.optional(v.nullable(v.string('expected a string'))),
  seeds: v.optional(v.nullable(v.string('expected a string'))),
  headlines: v.optional(v.array(v.looseObject({}))),
  summary: v.optional(v.looseObject({ problems: v.optional(v.array(v.looseObject({ message: v.string('expected a string') }))) })),
  exitCode: v.optional(v.pipe(v.number('expected a number'), v.integer())),
  inputs: v.optional(v.nullable(v.string('expected a string'))),
});

export const summaryFileSchema = v.looseObject({ format: v.optional(v.number('expected a number')), notebooks: v.array(v.unknown()) });

// ---- the report's results.json (lib/report/results.ts)

/** A cited value: a number, null (a std of one seed), or an object of them. */
export type CitedValue = number | null | { [key: string]: CitedValue };
const citedValue: v.GenericSchema<unknown, CitedValue> = v.union(
  [finiteNumber, v.null(), v.pipe(
    // valibot's record takes a list for an object: refused first.
    v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'expected an object'),
    v.record(v.string(), v.lazy(() => citedValue)),
  )],
  'expected a number, null or an object of them',
);
const fractionMeanStd = v.object({ mean: fraction, std: v.nullable(nonNegative) });
const dataFacts = v.object({ kind: v.picklist(['synthetic', 'course'], "expected 'synthetic' or 'course'"), fingerprint: v.string('expected a string') });
/** A table cell as results.json keeps it: a number, text, a yes/no, or null (no value). */
const cell = v.union([finiteNumber, v.string(), v.boolean(), v.null()], 'expected a number, text, a boolean or null');

const notebookResultsSchema = v.object({
  builtAt: v.string('expected a string'),
  profile: v.nullable(v.string('expected a string')),
  nnlab: v.nullable(v.string('expected a string')),
  node: v.nullable(v.string('expected a string')),
  numerics: v.nullable(finiteNumber),
  data: v.nullable(dataFacts),
  cited: v.record(v.string(), citedValue),
  tables: v.array(v.object({
    label: v.pipe(v.string(), v.regex(/^Table \d+$/, 'expected "Table N"')),
    id: v.nullable(v.string()),
    caption: v.string('expected a string'),
    columns: v.array(v.string('expected a string')),
    rows: v.array(v.array(cell)),
  })),
  figures: v.array(v.object({
    label: v.pipe(v.string(), v.regex(/^Figure \d+$/, 'expected "Figure N"')),
    id: v.nullable(v.string()),
    caption: v.string('expected a string'),
  })),
});
export type NotebookResultsJson = v.InferOutput<typeof notebookResultsSchema>;

export const resultsFileSchema = v.looseObject({
  format: v.literal(1, 'expected format 1'),
  nnlab: v.optional(v.nullable(v.string('expected a string'))),
  node: v.optional(v.nullable(v.string('expected a string'))),
  numerics: v.optional(v.nullable(finiteNumber)),
  profile: v.optional(v.nullable(v.string('expected a string'))),
  data: v.optional(v.nullable(dataFacts)),
  // The headline numbers the notebooks cite; absent when their notebook is not in the report.
  sine: v.optional(v.looseObject({ meanAbsError: v.optional(nonNegative) })),
  baseline: v.optional(v.looseObject({ valAcc: v.optional(fractionMeanStd) })),
  beyond: v.optional(v.looseObject({ singleTestAcc: v.optional(fractionMeanStd), ensembleTestAcc: v.optional(v.union([fraction, fractionMeanStd])) })),
  notebooks: v.record(v.pipe(v.string(), v.regex(/^[\w.-]+$/, 'expected a notebook name')), notebookResultsSchema),
});
export type ResultsFile = v.InferOutput<typeof resultsFileSchema>;
