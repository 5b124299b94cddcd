/**
 * The course dataset's twelve characters, in folder order: folder `1` holds 博, folder `12` holds 用.
 * (博学笃志，切问近思，自由无用 — a university motto, which is why these twelve.)
 */
export const COURSE_CLASS_NAMES: readonly string[] = ['博', '学', '笃', '志', '切', '问', '近', '思', '自', '由', '无', '用'];

/** The course images are 28×28 pixels. */
export const IMAGE_WIDTH = 28;
export const IMAGE_HEIGHT = 28;
