/** The threshold used when the request gives none. */
export const DEFAULT_THRESHOLD = 0.5;

/** A plain decimal number, optionally with an exponent: no hex, no spaces, no "Infinity"/"NaN". */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The common query `threshold=<digits, dots, e, ->`: nothing to URL-decode, so no general parsing needed. */
const SIMPLE_QUERY = /^threshold=([\d.eE-]{1,64})$/;
const MAX_LENGTH = 64;

export const THRESHOLD_RULE = "threshold must be a decimal number between 0 and 1 inclusive, given once (e.g. 0.5)";

export type ThresholdResult = { ok: true; value: number } | { ok: false; message: string };

/**
 * The threshold from a raw query string (without "?"). Missing: 0.5. Anything but one finite decimal in [0, 1] is
 * refused with a message that states the allowed range; so are other parameters, so a typo such as
 * `treshold=0.3` is not silently answered with the default.
 */
export function parseThreshold(querystring: string): ThresholdResult {
  if (querystring === "") return { ok: true, value: DEFAULT_THRESHOLD };
  const simple = SIMPLE_QUERY.exec(querystring);
  if (simple) return checkValue(simple[1]!);
  const params = new URLSearchParams(querystring);
  for (const key of params.keys()) {
    if (key !== "threshold") {
      return {
        ok: false,
        message: `unknown query parameter ${quote(key)}: the only parameter is threshold; ${THRESHOLD_RULE}`,
      };
    }
  }
  const values = params.getAll("threshold");
  if (values.length === 0) return { ok: true, value: DEFAULT_THRESHOLD };
  if (values.length > 1) return { ok: false, message: `${THRESHOLD_RULE}; got it ${values.length} times` };
  return checkValue(values[0]!);
}

function checkValue(raw: string): ThresholdResult {
  if (raw.length > MAX_LENGTH || !DECIMAL.test(raw))
    return { ok: false, message: `${THRESHOLD_RULE}; got ${quote(raw)}` };
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    return { ok: false, message: `${THRESHOLD_RULE}; got ${quote(raw)}` };
  }
  return { ok: true, value: value === 0 ? 0 : value }; // -0 becomes 0
}

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text);
}
