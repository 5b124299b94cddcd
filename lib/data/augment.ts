/**
 * Data augmentation for character images, as in the report: every training image is moved by a
 * few pixels and turned by a few degrees, freshly for every minibatch, so the network never sees
 * exactly the same picture twice. (Flips and large rotations are out: a mirrored or upside-down
 * character is a different character, or none.)
 *
 * The network is trained on mean-centred images, but a shift must move the *ink*, not the ink
 * minus the mean; so each row is un-centred, transformed, and centred again. Pixels that come
 * in from outside the frame are blank paper (ink 0).
 *
 * Beyond the report, three optional distortions: a random scale (a character written larger or
 * smaller), a random horizontal shear (a slanted hand) and an elastic distortion (Simard et al.
 * 2003, "Best practices for convolutional neural networks applied to visual document analysis":
 * the hand's wobble, a smooth random displacement of every pixel). Left out or 0, the random
 * draws and the images are exactly those of shift and rotation alone.
 */
import { Matrix } from '../nn/matrix.js';
import { Rng } from '../nn/random.js';
import { cos, exp, sin } from '../math/elementary.js';

export interface AugmentOptions {
  /** Largest translation in whole pixels, along each axis (0 = none). */
  shift: number;
  /** Largest rotation in degrees, either way (0 = none). */
  rotate: number;
  /** Largest relative change of size, either way: 0.1 draws a factor in [0.9, 1.1] (absent or 0 = none; at most MAX_SCALE). */
  scale?: number;
  /** Largest horizontal shear factor, either way: 0.15 slants by up to ±0.15 px per px of height (absent or 0 = none; at most MAX_SHEAR). */
  shear?: number;
  /** Elastic distortion (elasticField, warpImage), applied after the affine change; absent = none. */
  elastic?: ElasticSettings;
  /** The mean image subtracted from the data (all zeros if the data is not centred). */
  mean: Float64Array;
  width: number;
  height: number;
}

/** Largest `scale` augmentation accepts: a factor in [0.5, 1.5]. */
export const MAX_SCALE = 0.5;
/** Largest `shear` factor accepted (45° of slant). */
export const MAX_SHEAR = 1;

/**
 * Simard et al.'s elastic distortion: a displacement field drawn uniform in [−1, 1] per pixel
 * and axis, smoothed by a Gaussian of standard deviation `sigma` pixels, scaled by `alpha`
 * pixels. Small sigma is pixel noise; large sigma averages the field towards 0 (little moves);
 * in between (the paper's MNIST setting: alpha 34, sigma 4) strokes bend as a hand's do.
 */
export interface ElasticSettings {
  /** Scale of the smoothed field, in pixels (0 = no displacement; at most MAX_ELASTIC_ALPHA). */
  alpha: number;
  /** Standard deviation of the smoothing Gaussian, in pixels (above 0, at most MAX_ELASTIC_SIGMA). */
  sigma: number;
}

/** Largest elastic `alpha` accepted (pixels): far past the paper's 34 for 29×29 images. */
export const MAX_ELASTIC_ALPHA = 100;
/** Largest elastic `sigma` accepted (pixels): past the image size the field is all but constant. */
export const MAX_ELASTIC_SIGMA = 50;

/** Throws, naming `what` (e.g. 'settings: augment.elastic'), unless `e` is valid ElasticSettings. */
export function checkElastic(what: string, e: ElasticSettings): void {
  if (e === null || typeof e !== 'object') throw new Error(`${what} must be { alpha, sigma }, got ${String(e)}`);
  if (!(typeof e.alpha === 'number' && e.alpha >= 0 && e.alpha <= MAX_ELASTIC_ALPHA)) {
    throw new Error(`${what}.alpha must be a displacement scale in [0, ${MAX_ELASTIC_ALPHA}] pixels (e.g. 34), got ${e.alpha}`);
  }
  if (!(typeof e.sigma === 'number' && e.sigma > 0 && e.sigma <= MAX_ELASTIC_SIGMA)) {
    throw new Error(`${what}.sigma must be a smoothing width above 0 and at most ${MAX_ELASTIC_SIGMA} pixels (e.g. 4), got ${e.sigma}`);
  }
}

/**
 * The normalised 1-D Gaussian of standard deviation `sigma`, cut at 4σ (or at `maxRadius`, the
 * image size: a wider kernel would only meet the zeros outside): weights at −r..r summing to 1.
 */
export function gaussianKernel(sigma: number, maxRadius: number): Float64Array {
  const r = Math.min(Math.ceil(4 * sigma), maxRadius);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += (k[i + r] = exp(-(i * i) / (2 * sigma * sigma)));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Convolves a width×height field with `kernel` along x, then along y; outside the image the field is 0. */
function smooth(field: Float64Array, width: number, height: number, kernel: Float64Array, scratch: Float64Array): void {
  const r = (kernel.length - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = Math.max(-r, -x); i <= Math.min(r, width - 1 - x); i++) s += kernel[i + r] * field[y * width + x + i];
      scratch[y * width + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = Math.max(-r, -y); i <= Math.min(r, height - 1 - y); i++) s += kernel[i + r] * scratch[(y + i) * width + x];
      field[y * width + x] = s;
    }
  }
}

/**
 * Draws an elastic displacement field into `dx` and `dy` (width×height each): 2·width·height
 * uniform draws from `rng` (all of dx's, then dy's, row-major), each smoothed by the Gaussian
 * of `sigma` and multiplied by `alpha`. The output pixel (x, y) will read the input at
 * (x + dx, y + dy) (warpImage).
 */
export function elasticField(rng: Rng, width: number, height: number, settings: ElasticSettings, dx: Float64Array, dy: Float64Array): void {
  checkElastic('elasticField: settings', settings);
  const dim = width * height;
  if (dx.length !== dim || dy.length !== dim) throw new Error(`elasticField: dx and dy must have ${width}x${height} = ${dim} values, got ${dx.length} and ${dy.length}`);
  for (let k = 0; k < dim; k++) dx[k] = rng.uniformIn(-1, 1);
  for (let k = 0; k < dim; k++) dy[k] = rng.uniformIn(-1, 1);
  const kernel = gaussianKernel(settings.sigma, Math.max(width, height) - 1);
  const scratch = new Float64Array(dim);
  smooth(dx, width, height, kernel, scratch);
  smooth(dy, width, height, kernel, scratch);
  for (let k = 0; k < dim; k++) {
    dx[k] *= settings.alpha;
    dy[k] *= settings.alpha;
  }
}

/**
 * Writes into `out` the image `src` (width×height) resampled at (x + dx, y + dy) for every pixel
 * (x, y): bilinear interpolation, blank paper (0) outside the frame. A zero field copies `src`.
 */
export function warpImage(src: ArrayLike<number>, width: number, height: number, dx: ArrayLike<number>, dy: ArrayLike<number>, out: Float64Array): Float64Array {
  const at = (x: number, y: number) => (x >= 0 && x < width && y >= 0 && y < height ? src[y * width + x] : 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const sx = x + dx[k], sy = y + dy[k];
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      out[k] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

/**
 * Writes into `out` the image `src` (width×height, row-major) transformed about its centre by
 * A = R·H·S — scaled by `scale` (S = scale·I), sheared horizontally by `shear` (H = [[1, shear],
 * [0, 1]]: a pixel moves right by shear × its height below the centre), rotated by `degrees`
 * (R, clockwise on screen, since y points down) — and then moved by (dx, dy) pixels. Bilinear
 * interpolation; with scale 1, shear 0 and rotation 0, whole-pixel shifts copy pixels exactly.
 */
export function transformImage(
  src: ArrayLike<number>, width: number, height: number,
  dx: number, dy: number, degrees: number, out: Float64Array,
  scale = 1, shear = 0,
): Float64Array {
  const angle = (degrees * Math.PI) / 180;
  const cosA = cos(angle), sinA = sin(angle);
  // The inverse A⁻¹ = S⁻¹·H⁻¹·R⁻¹ as [[a, b], [c, d]]. With scale 1 and shear 0 these are
  // exactly cos, sin, −sin, cos (adding 0 and dividing by 1 round nothing), so the images are
  // bit-identical to those of a plain rotation.
  const a = (cosA + shear * sinA) / scale, b = (sinA - shear * cosA) / scale;
  const c = -sinA / scale, d = cosA / scale;
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  const at = (x: number, y: number) => (x >= 0 && x < width && y >= 0 && y < height ? src[y * width + x] : 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse mapping: find where this output pixel came from (undo the shift, then A).
      const u = x - dx - cx, v = y - dy - cy;
      const sx = cx + a * u + b * v;
      const sy = cy + c * u + d * v;
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
 * [−shift, shift]² whole pixels and an angle in [−rotate, rotate] degrees from `rng`, then (only
 * when set, so that the stream of draws is unchanged without them) a size factor in
 * [1 − scale, 1 + scale], a shear in [−shear, shear] and an elastic field (elasticField, applied
 * to the moved image). Returns a new matrix; the labels are
 * untouched (the hook never sees them).
 */
export function makeAugment(options: AugmentOptions): (X: Matrix, rng: Rng) => Matrix {
  const { shift, rotate, mean, width, height } = options;
  const scale = options.scale ?? 0, shear = options.shear ?? 0;
  if (!Number.isInteger(shift) || shift < 0) throw new Error(`makeAugment: shift must be a whole number of pixels ≥ 0, got ${shift}`);
  if (!(rotate >= 0 && rotate <= 180)) throw new Error(`makeAugment: rotate must be in [0, 180] degrees, got ${rotate}`);
  if (!(scale >= 0 && scale <= MAX_SCALE)) throw new Error(`makeAugment: scale must be a relative change in [0, ${MAX_SCALE}] (0.1 = ±10%), got ${scale}`);
  if (!(shear >= 0 && shear <= MAX_SHEAR)) throw new Error(`makeAugment: shear must be a shear factor in [0, ${MAX_SHEAR}] (0.15 = ±0.15 px per px), got ${shear}`);
  if (options.elastic !== undefined) checkElastic('makeAugment: elastic', options.elastic);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`makeAugment: width and height must be positive integers, got ${width}x${height}`);
  }
  if (shift >= Math.min(width, height)) throw new Error(`makeAugment: shift must be smaller than the image (${width}x${height}), got ${shift}: it would move whole images out of the frame`);
  if (mean.length !== width * height) throw new Error(`makeAugment: mean has ${mean.length} values, expected ${width}x${height} = ${width * height}`);
  const dim = width * height;
  const image = new Float64Array(dim), moved = new Float64Array(dim);
  const elastic = options.elastic;
  const fieldX = new Float64Array(dim), fieldY = new Float64Array(dim), warped = new Float64Array(dim);

  return (X: Matrix, rng: Rng): Matrix => {
    if (X.cols !== dim) throw new Error(`augment: X has ${X.cols} columns, expected ${width}x${height} = ${dim}`);
    const out = new Matrix(X.rows, X.cols);
    for (let i = 0; i < X.rows; i++) {
      const dx = rng.int(-shift, shift), dy = rng.int(-shift, shift);
      const degrees = rng.uniformIn(-rotate, rotate);
      const factor = scale > 0 ? 1 + rng.uniformIn(-scale, scale) : 1;
      const slant = shear > 0 ? rng.uniformIn(-shear, shear) : 0;
      const row = X.row(i);
      for (let k = 0; k < dim; k++) image[k] = row[k] + mean[k];
      transformImage(image, width, height, dx, dy, degrees, moved, factor, slant);
      let result: Float64Array = moved;
      if (elastic) {
        elasticField(rng, width, height, elastic, fieldX, fieldY);
        result = warpImage(moved, width, height, fieldX, fieldY, warped);
      }
      const target = out.row(i);
      for (let k = 0; k < dim; k++) target[k] = result[k] - mean[k];
    }
    return out;
  };
}
