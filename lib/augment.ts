/**
 * Data augmentation for character images, as in the report: every training image is moved by a
 * few pixels and turned by a few degrees, freshly for every minibatch, so the network never sees
 * exactly the same picture twice. (Flips and large rotations are out: a mirrored or upside-down
 * character is a different character, or none.)
 *
 * The network is trained on mean-centred images, but a shift must move the *ink*, not the ink
 * minus the mean; so each row is un-centred, transformed, and centred again. Pixels that come
 * in from outside the frame are blank paper (ink 0).
 */
import { Matrix } from './matrix.js';
import { Rng } from './random.js';

export interface AugmentOptions {
  /** Largest translation in whole pixels, along each axis (0 = none). */
  shift: number;
  /** Largest rotation in degrees, either way (0 = none). */
  rotate: number;
  /** The mean image subtracted from the data (all zeros if the data is not centred). */
  mean: Float64Array;
  width: number;
  height: number;
}

/**
 * Writes into `out` the image `src` (width×height, row-major) rotated by `degrees` about its centre
 * (clockwise on screen, since y points down) and then moved by (dx, dy) pixels. Bilinear
 * interpolation; a rotation of 0 with whole-pixel shifts copies pixels exactly.
 */
export function transformImage(
  src: ArrayLike<number>, width: number, height: number,
  dx: number, dy: number, degrees: number, out: Float64Array,
): Float64Array {
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  const at = (x: number, y: number) => (x >= 0 && x < width && y >= 0 && y < height ? src[y * width + x] : 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse mapping: find where this output pixel came from (undo the shift, then the rotation).
      const u = x - dx - cx, v = y - dy - cy;
      const sx = cx + cos * u + sin * v;
      const sy = cy - sin * u + cos * v;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      // Exact copy when the source lands on a pixel: no interpolation blur for plain shifts.
      out[y * width + x] = fx < 1e-9 && fy < 1e-9
        ? at(x0, y0)
        : (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

/**
 * Makes the Solver's `augment` hook: for each row of a minibatch, draws a shift in
 * [−shift, shift]² whole pixels and an angle in [−rotate, rotate] degrees from `rng`. Returns a new
 * matrix; the labels are untouched (the hook never sees them).
 */
export function makeAugment(options: AugmentOptions): (X: Matrix, rng: Rng) => Matrix {
  const { shift, rotate, mean, width, height } = options;
  if (!Number.isInteger(shift) || shift < 0) throw new Error(`makeAugment: shift must be a whole number of pixels ≥ 0, got ${shift}`);
  if (!(rotate >= 0 && rotate <= 180)) throw new Error(`makeAugment: rotate must be in [0, 180] degrees, got ${rotate}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`makeAugment: width and height must be positive integers, got ${width}x${height}`);
  }
  if (shift >= Math.min(width, height)) throw new Error(`makeAugment: shift must be smaller than the image (${width}x${height}), got ${shift}: it would move whole images out of the frame`);
  if (mean.length !== width * height) throw new Error(`makeAugment: mean has ${mean.length} values, expected ${width}x${height} = ${width * height}`);
  const dim = width * height;
  const image = new Float64Array(dim), moved = new Float64Array(dim);

  return (X: Matrix, rng: Rng): Matrix => {
    if (X.cols !== dim) throw new Error(`augment: X has ${X.cols} columns, expected ${width}x${height} = ${dim}`);
    const out = new Matrix(X.rows, X.cols);
    for (let i = 0; i < X.rows; i++) {
      const dx = rng.int(-shift, shift), dy = rng.int(-shift, shift);
      const degrees = rng.uniformIn(-rotate, rotate);
      const row = X.row(i);
      for (let k = 0; k < dim; k++) image[k] = row[k] + mean[k];
      transformImage(image, width, height, dx, dy, degrees, moved);
      const target = out.row(i);
      for (let k = 0; k < dim; k++) target[k] = moved[k] - mean[k];
    }
    return out;
  };
}
