/**
 * What an image goes through before a classifier sees it, in one place for every caller: the
 * loader (BMP files), `classify` (nnlab predict) and the drawing pad in the report's page
 * (lib/widgets/drawing_pad.ts, compiled for the browser). Nothing here touches files, so the
 * browser bundle runs the same code.
 *
 *   luminance (0 black … 1 white) → ink (1 = ink, whatever the polarity) → minus the training mean image
 */
import { Matrix } from '../nn/matrix.js';

/** 'dark-ink': dark strokes on light paper (the course files); 'light-ink': the reverse. */
export type Polarity = 'auto' | 'dark-ink' | 'light-ink';

/**
 * The share of pixels darker than mid-grey. Paper covers most of a character image, so above ½
 * the paper is dark (light ink). Unlike the border alone, a frame line around bright paper does
 * not turn the decision: it adds a seventh of the pixels at 28×28, not all of them.
 */
export function darkShare(lum: Float64Array): number {
  let dark = 0;
  for (const v of lum) if (v < 0.5) dark++;
  return dark / Math.max(1, lum.length);
}

/**
 * Ink values (ink = 1) of one image given as luminance values in [0, 1]. 'auto' reads an image
 * with more dark pixels than light ones as light ink (see darkShare).
 */
export function inkFromLuminance(lum: Float64Array, polarity: Polarity = 'auto'): { pixels: Float64Array; lightInk: boolean; darkShare: number } {
  const share = darkShare(lum);
  const lightInk = polarity === 'light-ink' || (polarity !== 'dark-ink' && share > 0.5);
  const pixels = new Float64Array(lum.length);
  for (let k = 0; k < lum.length; k++) pixels[k] = lightInk ? lum[k] : 1 - lum[k];
  return { pixels, lightInk, darkShare: share };
}

/** Subtracts `v` from every row of X, in place. */
export function subtractRow(X: Matrix, v: Float64Array): void {
  if (v.length !== X.cols) throw new Error(`subtractRow: vector has ${v.length} values, X has ${X.cols} columns`);
  for (let i = 0; i < X.rows; i++) {
    const row = X.row(i);
    for (let j = 0; j < X.cols; j++) row[j] -= v[j];
  }
}

/**
 * The network's input for raw ink images (rows of X, values in [0, 1], ink = 1): a copy of X
 * minus the training mean image, exactly as the training data were centred.
 */
export function classifierInput(X: Matrix, mean: Float64Array): Matrix {
  if (X.cols !== mean.length) throw new Error(`classifierInput: images have ${X.cols} pixels, the classifier's mean image has ${mean.length}`);
  const centred = X.clone();
  subtractRow(centred, mean);
  return centred;
}
