/** Colours, sizes and text metrics shared by every chart. */

/** Colour-blind-safe categorical palette (Okabe-Ito, without yellow, which is unreadable on white). */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"] as const;

export const THEME = {
  width: 720,
  height: 440,
  fontSize: 12,
  titleSize: 15,
  text: "#222222",
  muted: "#666666",
  grid: "#e5e5e5",
  axis: "#444444",
  /** Margins around the plot area: top (title), right, bottom (x labels), left (y labels). */
  margin: { top: 44, right: 40, bottom: 56, left: 64 },
} as const;

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** Approximate rendered width of `text` (proportional sans-serif: about 0.58 em per character). */
export function textWidth(text: string, fontSize: number = THEME.fontSize): number {
  return text.length * fontSize * 0.58;
}

/** `text` cut to fit `maxWidth`, with an ellipsis when shortened. */
export function fitText(text: string, maxWidth: number, fontSize: number = THEME.fontSize): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = Math.max(1, Math.floor(maxWidth / (fontSize * 0.58)) - 1);
  return `${text.slice(0, chars)}…`;
}
