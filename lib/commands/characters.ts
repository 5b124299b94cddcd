/**
 * The character-classification commands (`data`, `train`, `predict`), registered together so
 * that lib/cli.ts needs a single line for them.
 */
import { Command } from 'commander';
import { registerData } from './data.js';
import { registerTrain } from './train.js';
import { registerPredict } from './predict.js';

export function registerCharacterCommands(program: Command): void {
  registerData(program);
  registerTrain(program);
  registerPredict(program);
}
