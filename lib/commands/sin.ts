/**
 * `nnlab sin`: the report's fitting task from the command line.
 */
import { Command, Option } from 'commander';
import { fitSine, SINE_DEFAULTS } from '../tasks/sine.js';
import { checkActivation } from '../nn/layer_utils.js';
import { parseHiddenDims, parseInteger, parseSeed, epochProgress } from './options.js';

export function registerSin(program: Command): void {
  program
    .command('sin')
    .description('fit sin(x) on (-π/2, π/2) with the report\'s network (3 layers, 50 neurons, MSE) and print the errors on a grid of step 0.01')
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated', SINE_DEFAULTS.hiddenDims.join(','))
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(['tanh', 'relu', 'sigmoid', 'leakyRelu']).default(SINE_DEFAULTS.activation))
    .option('--epochs <n>', 'training epochs', String(SINE_DEFAULTS.epochs))
    .option('--seed <s>', 'random seed', String(SINE_DEFAULTS.seed))
    .option('--json', 'print one JSON object {meanError, meanAbsError, maxAbsError, seconds} on the last line')
    .action((opts: { hidden: string; activation: string; epochs: string; seed: string; json?: boolean }) => {
      const hiddenDims = parseHiddenDims('--hidden', opts.hidden);
      const epochs = parseInteger('--epochs', opts.epochs, 1);
      const seed = parseSeed('--seed', opts.seed);
      const progress = epochProgress(!opts.json, epochs, 'val mse');
      const r = fitSine({
        hiddenDims, activation: checkActivation('--activation', opts.activation), epochs, seed,
        onEpoch: (e) => progress.update(e.epoch, e.valMetric),
      });
      progress.stop();
      const summary = { meanError: r.meanError, meanAbsError: r.meanAbsError, maxAbsError: r.maxAbsError, seconds: r.seconds };
      if (opts.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      console.log(`network: 1-${hiddenDims.join('-')}-1, ${opts.activation}, MSE loss, ${epochs} epochs (seed ${seed})`);
      console.log(`test grid: ${r.gridX.length} points of step 0.01 in (-π/2, π/2)`);
      console.log(`mean error (signed): ${r.meanError.toExponential(3)}   (the report's: -1.9e-4)`);
      console.log(`mean |error|:        ${r.meanAbsError.toExponential(3)}`);
      console.log(`max |error|:         ${r.maxAbsError.toExponential(3)}`);
      console.log(`time:                ${r.seconds.toFixed(2)} s`);
    });
}
