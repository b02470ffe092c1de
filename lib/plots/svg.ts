/**
 * A minimal SVG writer: elements as strings, every text and attribute value escaped, numbers rounded so the
 * output is small and byte-stable for the same input.
 */

export type AttrValue = string | number | undefined;
export type Attrs = Readonly<Record<string, AttrValue>>;

const XML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Text safe inside an XML element or a double-quoted attribute; control characters XML forbids are dropped. */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "").replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** A coordinate or size with at most 2 decimals (no "-0"). */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot draw a non-finite coordinate (${value})`);
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

function attrText(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${typeof value === "number" ? num(value) : escapeXml(value)}"`)
    .join("");
}

/** `<name attrs>children</name>`, or `<name attrs/>` without children. Children are already-built markup. */
export function el(name: string, attrs: Attrs = {}, children: readonly string[] = []): string {
  const open = `<${name}${attrText(attrs)}`;
  return children.length === 0 ? `${open}/>` : `${open}>${children.join("")}</${name}>`;
}

/** An element holding escaped text. */
export function textEl(content: string, attrs: Attrs = {}): string {
  return `<text${attrText(attrs)}>${escapeXml(content)}</text>`;
}

/** A complete standalone SVG document with a <title> (shown as a tooltip and read by screen readers). */
export function svgDocument(width: number, height: number, title: string, children: readonly string[]): string {
  const root = el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      role: "img",
      "font-family": "Helvetica, Arial, sans-serif",
    },
    [`<title>${escapeXml(title)}</title>`, el("rect", { width, height, fill: "#ffffff" }), ...children],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
